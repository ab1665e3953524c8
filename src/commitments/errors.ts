/**
 * Thrown when a file's byte count differs from the size recorded at planning time: the file
 * changed between planning and encoding, so its commitments would not describe what gets
 * uploaded. Not worth retrying as is; restore the file or plan the batch again.
 */
export class FileChangedError extends Error {
  override readonly name = 'FileChanged';

  /**
   * @param actualSize the bytes found; when the file grew, reading stops one byte past the
   * planned size, so this is a lower bound.
   */
  constructor(
    readonly path: string,
    readonly expectedSize: number,
    readonly actualSize: number,
  ) {
    super(
      actualSize > expectedSize
        ? `File ${path} grew after it was planned (${expectedSize} bytes planned, more found); ` +
            'restore it or plan the batch again.'
        : `File ${path} shrank after it was planned (${expectedSize} bytes planned, ${actualSize} found); ` +
            'restore it or plan the batch again.',
    );
  }
}
