import { mkdir } from 'node:fs/promises';

import { expectedTotalChunksets } from './constants';
import { openCheckedFileStream } from './file-stream';
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

/** Computes blob commitments; one engine is shared by every caller in a process. */
export interface CommitmentsEngine {
  /**
   * Streams the file (never reads it whole) and returns its commitments. Throws FileChangedError
   * (name 'FileChanged') when the bytes read differ in length from expectedSize.
   */
  fromFile(path: string, expectedSize: number): Promise<BlobCommitments>;
  /** Commitments of bytes already in memory. */
  fromBytes(bytes: Uint8Array): Promise<BlobCommitments>;
  /** Releases the engine's resources; later calls fail. */
  close(): Promise<void>;
}

/** Options for {@link createCommitmentsEngine}. */
export interface CommitmentsEngineOptions {
  /** Folder for derived data that is expensive to recompute (created if missing). */
  cacheDir: string;
  /** Worker threads used for encoding; defaults to the number of cores. */
  threads?: number;
}

interface SdkCommitments {
  blob_merkle_root: string;
  raw_data_size: number;
  chunkset_commitments: unknown[];
}

function toBlobCommitments(commitments: SdkCommitments): BlobCommitments {
  return {
    blobMerkleRoot: commitments.blob_merkle_root,
    numChunksets: expectedTotalChunksets(commitments.raw_data_size),
    size: commitments.raw_data_size,
    commitments,
  };
}

/**
 * Creates a commitments engine backed by the SDK's own generateCommitments and one shared Clay
 * provider (each provider holds about 83 MiB of WASM memory, so there is one per process).
 */
export async function createCommitmentsEngine(
  options: CommitmentsEngineOptions,
): Promise<CommitmentsEngine> {
  await mkdir(options.cacheDir, { recursive: true });
  const sdk = await loadShelbySdk();
  const provider = await sdk.ClayErasureCodingProvider.create();
  let closed = false;

  const ensureOpen = (): void => {
    if (closed) throw new Error('The commitments engine is closed; create a new one.');
  };

  return {
    async fromFile(path, expectedSize) {
      ensureOpen();
      const stream = openCheckedFileStream(path, expectedSize);
      const commitments = await sdk.generateCommitments(
        provider,
        stream as unknown as globalThis.ReadableStream<Uint8Array>,
      );
      return toBlobCommitments(commitments);
    },
    async fromBytes(bytes) {
      ensureOpen();
      return toBlobCommitments(await sdk.generateCommitments(provider, bytes));
    },
    async close() {
      closed = true;
    },
  };
}
