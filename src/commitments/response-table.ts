import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { CHUNK_SIZE, CHUNKSET_SIZE, DATA_CHUNKS, TOTAL_CHUNKS } from './constants';

/** Bytes in a Clay sub-chunk: alpha = 4^4 = 256 sub-chunks of 4 KiB make up a 1 MiB chunk. */
export const SUB_CHUNK_SIZE = 4096;

/** Sub-chunks per chunk (alpha). */
export const SUB_CHUNKS_PER_CHUNK = CHUNK_SIZE / SUB_CHUNK_SIZE;

/** Data sub-chunks per chunkset (k · alpha = 2560). */
export const DATA_SUB_CHUNKS = DATA_CHUNKS * SUB_CHUNKS_PER_CHUNK;

/** Parity sub-chunks per chunkset ((n − k) · alpha = 1536). */
export const PARITY_SUB_CHUNKS = (TOTAL_CHUNKS - DATA_CHUNKS) * SUB_CHUNKS_PER_CHUNK;

/**
 * How every parity sub-chunk responds to every data sub-chunk, in compressed sparse rows: the
 * responses of data sub-chunk q (bytes [4096q, 4096q + 4096) of the chunkset) are entries
 * offsets[q] .. offsets[q + 1] − 1, each a parity sub-chunk (`targets`, numbered
 * parityChunk · 256 + subChunk) and the GF(2^8) coefficient it is scaled by (`coefficients`).
 */
export interface ResponseTable {
  /** sha256 of the clay.wasm the table was derived from. */
  wasmSha256: string;
  offsets: Uint32Array;
  targets: Uint16Array;
  coefficients: Uint8Array;
}

/** Encodes one zero-padded 10 MiB chunkset into its 16 chunks (data first, then parity). */
export type ChunksetEncoder = (chunkset: Uint8Array) => Uint8Array[];

/** The installed encoder does not behave like the Clay code the table path assumes. */
export class ResponseTableError extends Error {
  override readonly name = 'ResponseTableError';
}

/**
 * Derives the table from a single encode: data sub-chunk q gets a 1 at inner offset q (all
 * offsets differ because q < 4096), and since the code works byte position by byte position,
 * parity byte (t, q) is then exactly the coefficient of data sub-chunk q in parity sub-chunk t.
 * Checks on the way that the code is systematic and that nothing leaks into the offsets that
 * carried no impulse, so a differently built wasm is refused instead of mis-modelled.
 */
export function deriveResponseTable(encode: ChunksetEncoder, wasmSha256: string): ResponseTable {
  const impulse = new Uint8Array(CHUNKSET_SIZE);
  for (let q = 0; q < DATA_SUB_CHUNKS; q++) impulse[q * SUB_CHUNK_SIZE + q] = 1;
  const chunks = encode(impulse);
  if (chunks.length !== TOTAL_CHUNKS) {
    throw new ResponseTableError(
      `The encoder returned ${chunks.length} chunks, not ${TOTAL_CHUNKS}.`,
    );
  }
  for (let i = 0; i < DATA_CHUNKS; i++) {
    const expected = impulse.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE);
    if (!Buffer.from(chunks[i]).equals(expected)) {
      throw new ResponseTableError(`The encoder is not systematic: data chunk ${i} differs.`);
    }
  }

  const perSource: number[][] = Array.from({ length: DATA_SUB_CHUNKS }, () => []);
  for (let t = 0; t < PARITY_SUB_CHUNKS; t++) {
    const chunk = chunks[DATA_CHUNKS + Math.floor(t / SUB_CHUNKS_PER_CHUNK)];
    const base = (t % SUB_CHUNKS_PER_CHUNK) * SUB_CHUNK_SIZE;
    for (let q = 0; q < DATA_SUB_CHUNKS; q++) {
      const coefficient = chunk[base + q];
      if (coefficient !== 0) perSource[q].push(t, coefficient);
    }
    for (let o = DATA_SUB_CHUNKS; o < SUB_CHUNK_SIZE; o++) {
      if (chunk[base + o] !== 0) {
        throw new ResponseTableError(
          `Parity sub-chunk ${t} has a non-zero byte at offset ${o}, where no data was set: ` +
            'the encoder mixes byte positions.',
        );
      }
    }
  }

  const offsets = new Uint32Array(DATA_SUB_CHUNKS + 1);
  for (let q = 0; q < DATA_SUB_CHUNKS; q++) offsets[q + 1] = offsets[q] + perSource[q].length / 2;
  const targets = new Uint16Array(offsets[DATA_SUB_CHUNKS]);
  const coefficients = new Uint8Array(offsets[DATA_SUB_CHUNKS]);
  for (let q = 0; q < DATA_SUB_CHUNKS; q++) {
    const entries = perSource[q];
    for (let e = 0; e < entries.length / 2; e++) {
      targets[offsets[q] + e] = entries[2 * e];
      coefficients[offsets[q] + e] = entries[2 * e + 1];
    }
  }
  return { wasmSha256, offsets, targets, coefficients };
}

const MAGIC = Buffer.from('shelby-batch clay response table v1\n');

/** Serialises a table: magic, wasm hash, entry count, the three arrays, then a sha256 of it all. */
export function serializeResponseTable(table: ResponseTable): Buffer {
  const count = Buffer.alloc(4);
  count.writeUInt32LE(table.targets.length);
  const body = Buffer.concat([
    MAGIC,
    Buffer.from(table.wasmSha256, 'hex'),
    count,
    bytesOf(table.offsets),
    bytesOf(table.targets),
    bytesOf(table.coefficients),
  ]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** Parses a serialised table; throws ResponseTableError if it is truncated or corrupt. */
export function parseResponseTable(file: Buffer): ResponseTable {
  const body = file.subarray(0, file.length - 32);
  if (
    file.length < MAGIC.length + 68 ||
    !file.subarray(0, MAGIC.length).equals(MAGIC) ||
    !createHash('sha256')
      .update(body)
      .digest()
      .equals(file.subarray(file.length - 32))
  ) {
    throw new ResponseTableError('The cached response table is corrupt.');
  }
  let at = MAGIC.length;
  const wasmSha256 = file.subarray(at, at + 32).toString('hex');
  at += 32;
  const count = file.readUInt32LE(at);
  at += 4;
  const expectedLength = at + 4 * (DATA_SUB_CHUNKS + 1) + 3 * count + 32;
  if (file.length !== expectedLength) {
    throw new ResponseTableError('The cached response table has the wrong length.');
  }
  const offsets = new Uint32Array(DATA_SUB_CHUNKS + 1);
  bytesOf(offsets).set(file.subarray(at, (at += offsets.byteLength)));
  const targets = new Uint16Array(count);
  bytesOf(targets).set(file.subarray(at, (at += targets.byteLength)));
  const coefficients = new Uint8Array(count);
  coefficients.set(file.subarray(at, (at += count)));
  if (offsets[DATA_SUB_CHUNKS] !== count || targets.some((t) => t >= PARITY_SUB_CHUNKS)) {
    throw new ResponseTableError('The cached response table is inconsistent.');
  }
  return { wasmSha256, offsets, targets, coefficients };
}

/** Where the table for a given wasm lives under the cache folder. */
export function responseTablePath(cacheDir: string, wasmSha256: string): string {
  return join(cacheDir, `clay-response-table-${wasmSha256}.bin`);
}

/** The cached table for this wasm, or undefined when it is missing, corrupt or foreign. */
export async function readCachedResponseTable(
  cacheDir: string,
  wasmSha256: string,
): Promise<ResponseTable | undefined> {
  try {
    const cached = parseResponseTable(await readFile(responseTablePath(cacheDir, wasmSha256)));
    return cached.wasmSha256 === wasmSha256 ? cached : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Loads the table for this wasm from the cache, or derives it (one encode, about 0.2 s) and
 * stores it. A corrupt or foreign cache file is replaced, never trusted. The write goes through
 * a unique temporary name and a rename, so threads and processes racing to fill the cache each
 * see either no file or a whole one.
 */
export async function loadOrDeriveResponseTable(
  cacheDir: string,
  wasmSha256: string,
  encode: ChunksetEncoder,
): Promise<ResponseTable> {
  const path = responseTablePath(cacheDir, wasmSha256);
  const cached = await readCachedResponseTable(cacheDir, wasmSha256);
  if (cached !== undefined) return cached;
  const table = deriveResponseTable(encode, wasmSha256);
  await mkdir(cacheDir, { recursive: true });
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, serializeResponseTable(table));
  await rename(temporary, path);
  return table;
}

function bytesOf(array: Uint32Array | Uint16Array | Uint8Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}
