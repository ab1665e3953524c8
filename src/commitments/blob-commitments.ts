import type { ChunksetCommitment, CommitPath } from './chunkset-committer';
import { expectedTotalChunksets } from './constants';
import { fromHex, paddedMerkleRoot, toHex } from './merkle';
import { loadShelbySdk } from './sdk';

/** A blob's commitments, as registration needs them. */
export interface BlobCommitments {
  /** '0x' + 64 lowercase hex, exactly the SDK's blob_merkle_root. */
  blobMerkleRoot: string;
  /** ceil(size / 10 MiB), and 1 for an empty blob (the SDK's expectedTotalChunksets). */
  numChunksets: number;
  /** The blob's size in bytes. */
  size: number;
  /** The whole object the SDK's generateCommitments returns (deep-equal to it). */
  commitments: unknown;
}

/**
 * Assembles a blob's commitments from its chunksets' commitments, in order, in the shape of the
 * SDK's generateCommitments.
 */
export async function assembleBlobCommitments(
  entries: ChunksetCommitment[],
  size: number,
  path: CommitPath,
  schemaVersion: string,
): Promise<BlobCommitments> {
  const blobMerkleRoot = await blobRoot(entries, path);
  return {
    blobMerkleRoot,
    numChunksets: expectedTotalChunksets(size),
    size,
    commitments: {
      schema_version: schemaVersion,
      raw_data_size: size,
      blob_merkle_root: blobMerkleRoot,
      chunkset_commitments: entries.map((entry) => ({
        chunkset_root: entry.chunksetRoot,
        chunk_commitments: entry.chunkCommitments,
      })),
    },
  };
}

/** The blob root over chunkset roots: the SDK's own generateMerkleRoot on the SDK path. */
async function blobRoot(entries: ChunksetCommitment[], path: CommitPath): Promise<string> {
  if (path !== 'sdk') return toHex(paddedMerkleRoot(entries.map((e) => fromHex(e.chunksetRoot))));
  const [sdk, { Hex }] = await Promise.all([loadShelbySdk(), import('@aptos-labs/ts-sdk')]);
  const root = await sdk.generateMerkleRoot(entries.map((e) => Hex.fromHexInput(e.chunksetRoot)));
  return root.toString();
}
