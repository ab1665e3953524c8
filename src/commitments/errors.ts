/**
 * Thrown when a file's byte count differs from the size recorded at planning time: the file
 * changed between planning and encoding, so its commitments would not describe what gets
 * uploaded. Non-retryable as is; re-plan the batch (or restore the file) and try again.
 */
export class FileChangedError extends Error {
  override readonly name = 'FileChanged';

  constructor(
    readonly path: string,
    readonly expectedSize: number,
    readonly actualSize: number,
  ) {
    super(
      `File ${path} is ${actualSize > expectedSize ? 'larger' : 'smaller'} than when it was planned ` +
        `(${expectedSize} bytes expected, ${actualSize > expectedSize ? 'more than ' : ''}${actualSize} read); ` +
        'restore the file or plan the batch again so its size is recorded afresh.',
    );
  }
}
