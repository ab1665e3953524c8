import type { ChunksetCommitment, CommitPath } from './chunkset-committer';

/** What every commitments worker is started with. */
export interface WorkerSetup {
  cacheDir: string;
  wasmSha256: string;
  /** The clay.wasm the SDK loads, compiled once for every thread (see compileClayWasm). */
  clayModule: WebAssembly.Module;
}

/**
 * A unit of work for a commitments worker: a chunkset given as bytes (`data` is transferred, not
 * copied), or a chunkset the worker reads from a file itself (into a buffer it keeps, so files of
 * any size cost no allocation).
 */
export type WorkerTask =
  | { kind: 'chunkset'; data: Uint8Array; path: CommitPath }
  | { kind: 'file-chunkset'; file: string; size: number; index: number; path: CommitPath };

/** What a task resolves to, by kind. */
export interface WorkerResults {
  chunkset: ChunksetCommitment;
  'file-chunkset': ChunksetCommitment;
}

/** Messages from the pool to a worker. */
export type ToWorker = { id: number; task: WorkerTask };

/** Messages from a worker to the pool. */
export type FromWorker =
  | { type: 'ready'; tableError?: string }
  | { type: 'failed'; message: string }
  | { type: 'done'; id: number; result: unknown }
  | {
      type: 'error';
      id: number;
      name: string;
      message: string;
      /** The error's own plain fields (a FileChangedError's sizes, an fs error's code). */
      details?: Record<string, unknown>;
    };
