import { open } from 'node:fs/promises';

import { CHUNKSET_SIZE } from './constants';
import { FileChangedError } from './errors';

/**
 * Reads a file one chunkset (10 MiB) at a time into fresh buffers the caller may transfer to a
 * worker. Fails with FileChangedError as soon as the file turns out shorter than expectedSize,
 * or longer (one byte past the end is probed before the last chunkset is handed out). An empty
 * file yields one empty chunkset, which is how the SDK commits an empty blob.
 */
export async function* fileChunksets(
  path: string,
  expectedSize: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (!Number.isSafeInteger(expectedSize) || expectedSize < 0) {
    throw new RangeError(`A file size must be a whole number of bytes, not ${expectedSize}.`);
  }
  const file = await open(path, 'r');
  try {
    let offset = 0;
    do {
      const length = Math.min(CHUNKSET_SIZE, expectedSize - offset);
      // Not zero-filled: every byte is overwritten, or the read fails.
      const buffer = Buffer.allocUnsafeSlow(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await file.read(buffer, filled, length - filled, offset + filled);
        if (bytesRead === 0) throw new FileChangedError(path, expectedSize, offset + filled);
        filled += bytesRead;
      }
      offset += length;
      if (offset === expectedSize) {
        const { bytesRead } = await file.read(Buffer.alloc(1), 0, 1, offset);
        if (bytesRead > 0) throw new FileChangedError(path, expectedSize, offset + bytesRead);
      }
      yield buffer;
    } while (offset < expectedSize);
  } finally {
    await file.close();
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
