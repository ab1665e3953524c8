/** Bytes in one Clay chunk (the SDK's DEFAULT_CHUNK_SIZE_BYTES). */
export const CHUNK_SIZE = 1024 * 1024;

/** Data chunks per chunkset (k). */
export const DATA_CHUNKS = 10;

/** Chunks per chunkset, data plus parity (n). */
export const TOTAL_CHUNKS = 16;

/** Bytes in one chunkset (the SDK's DEFAULT_CHUNKSET_SIZE_BYTES). */
export const CHUNKSET_SIZE = DATA_CHUNKS * CHUNK_SIZE;

/**
 * The number of chunksets the chain expects for a blob of `size` bytes; an empty blob is still
 * encoded as one all-zero chunkset. Mirrors the SDK's expectedTotalChunksets.
 */
export function expectedTotalChunksets(size: number): number {
  return size === 0 ? 1 : Math.ceil(size / CHUNKSET_SIZE);
}
