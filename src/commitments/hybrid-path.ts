import { CHUNK_SIZE, CHUNKSET_SIZE, DATA_CHUNKS, TOTAL_CHUNKS } from './constants';
import { CHUNK_TREE_DEPTH, denseChunkRoot, paddedMerkleRoot, ZERO_SUBTREE } from './merkle';
import type { ChunksetRoots } from './table-path';

/** The part of the SDK's ClayErasureCodingProvider this path uses. */
export interface ChunksetEncodingProvider {
  /** Encodes a zero-padded 10 MiB chunkset into 16 chunks, data first. */
  encode(chunkset: Uint8Array): { chunks: Uint8Array[] };
}

/**
 * Computes a chunkset's roots with the real wasm encode but hashes the chunks with node:crypto,
 * which costs less than the wasm's own Merkle hashing. Data chunks wholly past the end of the
 * blob are zero padding, so their root is the precomputed all-zero chunk root.
 */
export class HybridPath {
  private readonly padded = new Uint8Array(CHUNKSET_SIZE);

  constructor(private readonly provider: ChunksetEncodingProvider) {}

  /** Roots of one unpadded chunkset (at most 10 MiB). */
  roots(data: Uint8Array): ChunksetRoots {
    this.padded.set(data);
    this.padded.fill(0, data.byteLength);
    const { chunks } = this.provider.encode(this.padded);
    if (chunks.length !== TOTAL_CHUNKS) {
      throw new Error(`The Clay encoder returned ${chunks.length} chunks, not ${TOTAL_CHUNKS}.`);
    }
    const chunkRoots = chunks.map((chunk, index) =>
      index < DATA_CHUNKS && index * CHUNK_SIZE >= data.byteLength
        ? ZERO_SUBTREE[CHUNK_TREE_DEPTH]
        : denseChunkRoot(chunk),
    );
    return { chunkRoots, chunksetRoot: paddedMerkleRoot(chunkRoots) };
  }
}
