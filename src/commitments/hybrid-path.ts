import { CHUNK_SIZE, DATA_CHUNKS, TOTAL_CHUNKS } from './constants';
import { CHUNK_TREE_DEPTH, denseChunkRoot, paddedMerkleRoot, ZERO_SUBTREE } from './merkle';
import type { ChunksetRoots } from './table-path';

/** The part of a Clay encoder this path uses (see ClayEncoder). */
export interface ChunksetEncoder {
  /**
   * Encodes an unpadded chunkset (at most 10 MiB) and lends each of the 16 chunks, data first,
   * to `visit`, valid only during that call.
   */
  encodeInto(data: Uint8Array, visit: (index: number, chunk: Uint8Array) => void): void;
}

/**
 * Computes a chunkset's roots with the real wasm encode but hashes the chunks with node:crypto,
 * which costs less than the wasm's own Merkle hashing. Data chunks wholly past the end of the
 * blob are zero padding, so their root is the precomputed all-zero chunk root.
 */
export class HybridPath {
  constructor(readonly encoder: ChunksetEncoder) {}

  /** Roots of one unpadded chunkset (at most 10 MiB). */
  roots(data: Uint8Array): ChunksetRoots {
    const chunkRoots: Uint8Array[] = [];
    this.encoder.encodeInto(data, (index, chunk) => {
      chunkRoots.push(
        index < DATA_CHUNKS && index * CHUNK_SIZE >= data.byteLength
          ? ZERO_SUBTREE[CHUNK_TREE_DEPTH]
          : denseChunkRoot(chunk),
      );
    });
    if (chunkRoots.length !== TOTAL_CHUNKS) {
      throw new Error(`The Clay encoder gave ${chunkRoots.length} chunks, not ${TOTAL_CHUNKS}.`);
    }
    return { chunkRoots, chunksetRoot: paddedMerkleRoot(chunkRoots) };
  }
}
