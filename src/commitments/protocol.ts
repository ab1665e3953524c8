import type { ChunksetCommitment, CommitPath } from './chunkset-committer';

/** What every commitments worker is started with. */
export interface WorkerSetup {
  cacheDir: string;
  wasmSha256: string;
}

/** A unit of work for a commitments worker; `data` is transferred, not copied. */
export type WorkerTask =
  { kind: 'chunkset'; data: Uint8Array; path: CommitPath } | { kind: 'sdk-blob'; data: Uint8Array };

/** What a task resolves to, by kind. */
export interface WorkerResults {
  chunkset: ChunksetCommitment;
  'sdk-blob': unknown;
}

/** Messages from the pool to a worker. */
export type ToWorker = { id: number; task: WorkerTask };

/** Messages from a worker to the pool. */
export type FromWorker =
  | { type: 'ready'; schemaVersion: string; tableError?: string }
  | { type: 'failed'; message: string }
  | { type: 'done'; id: number; result: unknown }
  | { type: 'error'; id: number; name: string; message: string };
