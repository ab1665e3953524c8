import { open, type FileHandle } from 'node:fs/promises';

import { CHUNKSET_SIZE, expectedTotalChunksets } from './constants';
import { FileChangedError } from './errors';

/**
 * Reads chunkset `index` of a file planned at `expectedSize` bytes into `into` (at least as long
 * as the chunkset) and returns the view of it that holds the chunkset. Fails with
 * FileChangedError when the file turns out shorter than planned, or longer: the last chunkset
 * probes one byte past the planned end. An empty file has one empty chunkset, which is how the
 * SDK commits an empty blob.
 */
export async function readChunkset(
  file: FileHandle,
  path: string,
  expectedSize: number,
  index: number,
  into: Uint8Array,
): Promise<Uint8Array> {
  const offset = index * CHUNKSET_SIZE;
  const length = Math.min(CHUNKSET_SIZE, expectedSize - offset);
  if (index >= expectedTotalChunksets(expectedSize) || into.byteLength < length) {
    throw new RangeError(`Chunkset ${index} of ${expectedSize} bytes does not fit.`);
  }
  const view = into.subarray(0, length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await file.read(view, filled, length - filled, offset + filled);
    if (bytesRead === 0) throw new FileChangedError(path, expectedSize, offset + filled);
    filled += bytesRead;
  }
  if (offset + length === expectedSize) {
    const { bytesRead } = await file.read(Buffer.alloc(1), 0, 1, expectedSize);
    if (bytesRead > 0) throw new FileChangedError(path, expectedSize, expectedSize + bytesRead);
  }
  return view;
}

/**
 * Reads a file one chunkset (10 MiB) at a time into fresh buffers the caller may transfer to a
 * worker, with the checks of {@link readChunkset}: it fails as soon as the file turns out shorter
 * than expectedSize, or longer (before the last chunkset is handed out).
 */
export async function* fileChunksets(
  path: string,
  expectedSize: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  checkSize(expectedSize);
  const file = await open(path, 'r');
  try {
    const count = expectedTotalChunksets(expectedSize);
    for (let index = 0; index < count; index++) {
      const length = Math.min(CHUNKSET_SIZE, expectedSize - index * CHUNKSET_SIZE);
      // Not zero-filled: every byte is overwritten, or the read fails.
      yield await readChunkset(file, path, expectedSize, index, Buffer.allocUnsafeSlow(length));
    }
  } finally {
    await file.close();
  }
}

/** Throws unless `size` can be a file's size in bytes. */
export function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`A file size must be a whole number of bytes, not ${size}.`);
  }
}

/**
 * Splits bytes in memory into chunkset copies (the caller's buffer is never transferred away).
 * Empty input yields one empty chunkset.
 */
export function* byteChunksets(bytes: Uint8Array): Generator<Uint8Array, void, undefined> {
  let offset = 0;
  do {
    const end = Math.min(offset + CHUNKSET_SIZE, bytes.byteLength);
    // Not bytes.slice(): on a Buffer that is a view, and the pool would detach the caller's memory.
    const copy = new Uint8Array(end - offset);
    copy.set(bytes.subarray(offset, end));
    yield copy;
    offset = end;
  } while (offset < bytes.byteLength);
}
