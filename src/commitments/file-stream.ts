import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { TransformStream, type ReadableStream } from 'node:stream/web';

import { FileChangedError } from './errors';

/**
 * Opens `path` as a web stream that fails with FileChangedError as soon as more than
 * `expectedSize` bytes arrive, or at the end if fewer did. Checking inside the stream means a
 * file that grew is caught without reading the growth, and the caller never sees commitments for
 * bytes other than the planned ones.
 */
export function openCheckedFileStream(
  path: string,
  expectedSize: number,
): ReadableStream<Uint8Array> {
  let bytesRead = 0;
  const source = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
  return source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytesRead += chunk.byteLength;
        if (bytesRead > expectedSize) {
          controller.error(new FileChangedError(path, expectedSize, bytesRead));
          return;
        }
        controller.enqueue(chunk);
      },
      flush(controller) {
        if (bytesRead !== expectedSize) {
          controller.error(new FileChangedError(path, expectedSize, bytesRead));
        }
      },
    }),
  );
}
