import { DATA_CHUNKS, TOTAL_CHUNKS } from './constants';
import { multiplyAccumulate } from './gf256';
import { LEAF_SIZE, paddedMerkleRoot, sha256, sparseChunkRoot } from './merkle';
import {
  PARITY_SUB_CHUNKS,
  type ResponseTable,
  SUB_CHUNK_SIZE,
  SUB_CHUNKS_PER_CHUNK,
} from './response-table';

/** The 16 chunk roots of one chunkset and the chunkset root over them. */
export interface ChunksetRoots {
  chunkRoots: Uint8Array[];
  chunksetRoot: Uint8Array;
}

/**
 * The non-zero data of one chunkset: for each data sub-chunk that holds a non-zero byte, its index
 * and the smallest range [from, to) of inner offsets that covers every non-zero byte. Everything
 * outside these ranges (the SDK's zero padding included) is zero, so it contributes nothing to
 * parity and hashes as a zero leaf.
 */
export interface ChunksetSupport {
  subChunks: number[];
  from: number[];
  to: number[];
}

/** Finds the non-zero data sub-chunks of an unpadded chunkset (at most 10 MiB). */
export function findSupport(data: Uint8Array): ChunksetSupport {
  const support: ChunksetSupport = { subChunks: [], from: [], to: [] };
  const words =
    data.byteOffset % 4 === 0
      ? new Int32Array(data.buffer, data.byteOffset, data.byteLength >> 2)
      : undefined;
  const count = Math.ceil(data.byteLength / SUB_CHUNK_SIZE);
  for (let q = 0; q < count; q++) {
    const start = q * SUB_CHUNK_SIZE;
    const end = Math.min(start + SUB_CHUNK_SIZE, data.byteLength);
    const first = firstNonZero(data, words, start, end);
    if (first < 0) continue;
    let last = end - 1;
    while (data[last] === 0) last--;
    support.subChunks.push(q);
    support.from.push(first - start);
    support.to.push(last + 1 - start);
  }
  return support;
}

/**
 * Bytes of GF multiply-accumulate the table path would spend on this chunkset; the caller
 * compares it with the fixed cost of a wasm encode to pick the faster exact path.
 */
export function tablePathCost(support: ChunksetSupport, table: ResponseTable): number {
  let cost = 0;
  for (let i = 0; i < support.subChunks.length; i++) {
    const q = support.subChunks[i];
    cost += (support.to[i] - support.from[i]) * (table.offsets[q + 1] - table.offsets[q]);
  }
  return cost;
}

/**
 * Computes the chunk roots of one chunkset without running the encoder: parity is rebuilt from
 * the response table, touching only the parity sub-chunks the non-zero data reaches, and each
 * chunk root hashes only the leaves that can be non-zero (zero subtrees are precomputed).
 */
export function tablePathRoots(
  data: Uint8Array,
  support: ChunksetSupport,
  table: ResponseTable,
): ChunksetRoots {
  // Parity: sum of scaled data sub-chunks, one lazily allocated 4 KiB buffer per touched target.
  const parity = new Array<Uint8Array | undefined>(PARITY_SUB_CHUNKS);
  const parityFrom = new Int32Array(PARITY_SUB_CHUNKS).fill(SUB_CHUNK_SIZE);
  const parityTo = new Int32Array(PARITY_SUB_CHUNKS);
  for (let i = 0; i < support.subChunks.length; i++) {
    const q = support.subChunks[i];
    const from = support.from[i];
    const to = support.to[i];
    for (let e = table.offsets[q]; e < table.offsets[q + 1]; e++) {
      const t = table.targets[e];
      const target = (parity[t] ??= new Uint8Array(SUB_CHUNK_SIZE));
      multiplyAccumulate(target, data, q * SUB_CHUNK_SIZE, table.coefficients[e], from, to);
      if (from < parityFrom[t]) parityFrom[t] = from;
      if (to > parityTo[t]) parityTo[t] = to;
    }
  }

  const leafIndices: number[][] = Array.from({ length: TOTAL_CHUNKS }, () => []);
  const leafHashes: Uint8Array[][] = Array.from({ length: TOTAL_CHUNKS }, () => []);
  const addLeaves = (
    chunk: number,
    subChunk: number,
    from: number,
    to: number,
    bytes: (r: number) => Uint8Array,
  ): void => {
    for (let r = Math.floor(from / LEAF_SIZE); r * LEAF_SIZE < to; r++) {
      leafIndices[chunk].push(subChunk * (SUB_CHUNK_SIZE / LEAF_SIZE) + r);
      leafHashes[chunk].push(sha256(bytes(r)));
    }
  };

  // Data leaves come straight from the input; a leaf cut short by the end of the blob is hashed
  // from a zero-padded copy, as the SDK pads the chunkset.
  for (let i = 0; i < support.subChunks.length; i++) {
    const q = support.subChunks[i];
    const base = q * SUB_CHUNK_SIZE;
    addLeaves(
      Math.floor(q / SUB_CHUNKS_PER_CHUNK),
      q % SUB_CHUNKS_PER_CHUNK,
      support.from[i],
      support.to[i],
      (r) => {
        const start = base + r * LEAF_SIZE;
        if (start + LEAF_SIZE <= data.byteLength) return data.subarray(start, start + LEAF_SIZE);
        const padded = new Uint8Array(LEAF_SIZE);
        padded.set(data.subarray(start));
        return padded;
      },
    );
  }
  for (let t = 0; t < PARITY_SUB_CHUNKS; t++) {
    const buffer = parity[t];
    if (buffer === undefined) continue;
    addLeaves(
      DATA_CHUNKS + Math.floor(t / SUB_CHUNKS_PER_CHUNK),
      t % SUB_CHUNKS_PER_CHUNK,
      parityFrom[t],
      parityTo[t],
      (r) => buffer.subarray(r * LEAF_SIZE, (r + 1) * LEAF_SIZE),
    );
  }

  const chunkRoots = leafIndices.map((indices, chunk) =>
    sparseChunkRoot(indices, leafHashes[chunk]),
  );
  return { chunkRoots, chunksetRoot: paddedMerkleRoot(chunkRoots) };
}

function firstNonZero(
  data: Uint8Array,
  words: Int32Array | undefined,
  start: number,
  end: number,
): number {
  let j = start;
  if (words !== undefined) {
    // start is a multiple of 4096, so word w covers bytes 4w .. 4w + 3.
    const wordEnd = end >> 2;
    let w = start >> 2;
    while (w < wordEnd && words[w] === 0) w++;
    j = w << 2;
  }
  while (j < end && data[j] === 0) j++;
  return j < end ? j : -1;
}
