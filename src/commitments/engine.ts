import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';

import { assembleBlobCommitments, type BlobCommitments } from './blob-commitments';
import { selfCheckInChildProcess } from './check-process';
import type { ChunksetCommitment, CommitPath } from './chunkset-committer';
import { byteChunksets, checkSize } from './chunkset-reader';
import { compileClayWasm } from './clay-encoder';
import { expectedTotalChunksets } from './constants';
import { FileChangedError } from './errors';
import { CommitmentsPool } from './pool';
import type { WorkerSetup, WorkerTask } from './protocol';
import { loadShelbySdk } from './sdk';
import type { SelfCheckResult } from './self-check';
import { identifyClayWasm, type WasmIdentity } from './wasm-identity';

export type { BlobCommitments } from './blob-commitments';

/** Computes blob commitments; every engine in a process shares one pool of worker threads. */
export interface CommitmentsEngine {
  /**
   * Streams the file (never reads it whole) and returns its commitments. Throws FileChangedError
   * (src/commitments/errors.ts, name 'FileChanged') when the bytes read differ in length from
   * expectedSize.
   */
  fromFile(path: string, expectedSize: number): Promise<BlobCommitments>;
  /** Commitments of bytes already in memory (the bytes are copied, never modified). */
  fromBytes(bytes: Uint8Array): Promise<BlobCommitments>;
  /** Releases this engine; the shared worker threads stop when the last engine closes. */
  close(): Promise<void>;
}

/** Receives the engine's rare warnings (Temporal's activity `log` fits). */
export interface CommitmentsLogger {
  warn(message: string, attributes?: Record<string, unknown>): void;
}

/** Options for {@link createCommitmentsEngine}. */
export interface CommitmentsEngineOptions {
  /** Folder for the derived Clay response table (created if missing). */
  cacheDir: string;
  /**
   * Worker threads for encoding, defaulting to the number of cores up to
   * {@link DEFAULT_MAX_THREADS}. The first engine in a process sizes the shared pool; later
   * engines reuse it as it is.
   */
  threads?: number;
  /** Where the fallback warning goes; defaults to one JSON line on stderr. */
  logger?: CommitmentsLogger;
}

/** Which exact path the engine settled on at start-up, and why. */
export interface CommitmentsEngineStatus {
  /**
   * `auto`: the table or the hybrid path per chunkset, whichever is cheaper; `sdk`: the SDK's
   * own generateCommitments per chunkset, after the self-check found a mismatch.
   */
  path: Extract<CommitPath, 'auto' | 'sdk'>;
  threads: number;
  /** sha256 of the installed clay.wasm, the key of the cached response table. */
  wasmSha256: string;
  selfCheck: SelfCheckResult;
  /** Why the response table could not be derived, if it could not. */
  tableError?: string;
}

/** A {@link CommitmentsEngine} that can also say which path it uses. */
export interface InspectableCommitmentsEngine extends CommitmentsEngine {
  /** Waits for the start-up self-check and reports its outcome. */
  status(): Promise<CommitmentsEngineStatus>;
}

/**
 * Threads the engine starts by default, at most. Only dense data needs them all (sparse and small
 * data take the table path, a fraction of the work), and each thread that meets dense data holds a
 * Clay encoder (about 42 MiB of wasm memory) and a 10 MiB read buffer; beyond a few threads the
 * upload, not the encoding, sets the pace.
 */
export const DEFAULT_MAX_THREADS = 4;

interface SharedPool {
  pool: CommitmentsPool;
  users: number;
  status: Promise<CommitmentsEngineStatus>;
  /** The SDK's COMMITMENT_SCHEMA_VERSION, the first field of every commitments object. */
  schemaVersion: Promise<string>;
}

let shared: SharedPool | undefined;

/**
 * Creates a commitments engine. Output is deep-equal to the SDK's generateCommitments; it is
 * computed off the caller's thread, by the fastest exact path that passed the start-up
 * self-check against the SDK (see status()). Files are read one chunkset at a time, so memory
 * stays flat for any file size.
 */
export async function createCommitmentsEngine(
  options: CommitmentsEngineOptions,
): Promise<InspectableCommitmentsEngine> {
  await mkdir(options.cacheDir, { recursive: true });
  if (shared === undefined) {
    const wasm = await identifyClayWasm();
    const clayModule = await compileClayWasm(wasm.path);
    // Another engine may have been created while the wasm was being hashed.
    shared ??= startSharedPool(options, wasm, clayModule);
  }
  const mine = shared;
  mine.users++;
  let closed = false;

  const commit = async (source: BlobSource) => {
    if (closed) throw new Error('This commitments engine is closed; create a new one.');
    const [{ path }, schemaVersion] = await Promise.all([
      mine.status,
      mine.schemaVersion,
      mine.pool.ready,
    ]);
    return commitBlob(mine.pool, source, path, schemaVersion);
  };

  return {
    fromFile: async (file, expectedSize) => {
      checkSize(expectedSize);
      return commit({ kind: 'file', file, size: expectedSize });
    },
    fromBytes: (bytes) => commit({ kind: 'bytes', bytes }),
    async status() {
      const [status] = await Promise.all([mine.status, mine.pool.ready]);
      return status;
    },
    async close() {
      if (closed) return;
      closed = true;
      mine.users--;
      if (mine.users === 0 && shared === mine) {
        shared = undefined;
        await mine.pool.terminate();
      }
    },
  };
}

function startSharedPool(
  options: CommitmentsEngineOptions,
  wasm: WasmIdentity,
  clayModule: WebAssembly.Module,
): SharedPool {
  const threads = Math.max(
    1,
    Math.floor(options.threads ?? Math.min(availableParallelism(), DEFAULT_MAX_THREADS)),
  );
  const logger = options.logger ?? stderrLogger;
  // The calling thread loads the SDK for one constant; a worker process has it loaded already.
  const schemaVersion = loadShelbySdk().then((sdk) => sdk.COMMITMENT_SCHEMA_VERSION);
  const status = (async (): Promise<CommitmentsEngineStatus> => {
    const { selfCheck, tableError } = await selfCheckInChildProcess({
      cacheDir: options.cacheDir,
      wasmSha256: wasm.sha256,
      wasmPath: wasm.path,
      schemaVersion: await schemaVersion,
    });
    const path = selfCheck.passed ? 'auto' : 'sdk';
    if (!selfCheck.passed) {
      logger.warn('Commitments fast path disagrees with the Shelby SDK; using the SDK path', {
        mismatches: selfCheck.mismatches,
        tableError,
        wasmSha256: wasm.sha256,
      });
    }
    return { path, threads, wasmSha256: wasm.sha256, selfCheck, tableError };
  })();
  // The workers start once the check is over, and read the response table it left in the cache.
  const setup: WorkerSetup = { cacheDir: options.cacheDir, wasmSha256: wasm.sha256, clayModule };
  const pool = new CommitmentsPool(threads, setup, status);
  const entry: SharedPool = { pool, users: 0, status, schemaVersion };
  Promise.all([status, pool.ready]).catch(() => {
    // A pool that could not start (or check itself) is not kept: the next engine tries afresh.
    if (shared === entry) shared = undefined;
    void pool.terminate();
  });
  return entry;
}

/** A blob to commit: bytes in memory (split into copies), or a file the workers read. */
type BlobSource =
  { kind: 'bytes'; bytes: Uint8Array } | { kind: 'file'; file: string; size: number };

/** One worker task per chunkset of the blob, created only when asked for. */
function* chunksetTasks(source: BlobSource, path: CommitPath): Generator<WorkerTask, void> {
  if (source.kind === 'bytes') {
    for (const data of byteChunksets(source.bytes)) yield { kind: 'chunkset', data, path };
    return;
  }
  const count = expectedTotalChunksets(source.size);
  for (let index = 0; index < count; index++) {
    yield { kind: 'file-chunkset', file: source.file, size: source.size, index, path };
  }
}

/**
 * Commits a blob: each chunkset goes to a worker once the pool has room for it (so a huge file
 * never floods the queue ahead of other files), and the roots are assembled here in order.
 * Nothing more is sent once a chunkset has failed.
 */
async function commitBlob(
  pool: CommitmentsPool,
  source: BlobSource,
  path: CommitPath,
  schemaVersion: string,
): Promise<BlobCommitments> {
  const size = source.kind === 'bytes' ? source.bytes.byteLength : source.size;
  const pending: Promise<ChunksetCommitment>[] = [];
  let failed = false;
  const tasks = chunksetTasks(source, path);
  for (;;) {
    const free = await pool.reserve();
    const next = failed ? undefined : tasks.next();
    if (next === undefined || next.done === true) {
      free();
      break;
    }
    const result = pool.run(next.value) as Promise<ChunksetCommitment>;
    result.then(free, () => {
      failed = true;
      free();
    });
    pending.push(result);
  }
  let entries: ChunksetCommitment[];
  try {
    entries = await Promise.all(pending);
  } catch (error) {
    throw source.kind === 'file' ? fileError(error, source.file, source.size) : error;
  }

  return assembleBlobCommitments(entries, size, path, schemaVersion);
}

/** A worker's FileChanged failure as a FileChangedError again; other errors as they are. */
function fileError(error: unknown, file: string, size: number): unknown {
  if (!(error instanceof Error) || error.name !== 'FileChanged') return error;
  const { actualSize } = error as Partial<FileChangedError>;
  return new FileChangedError(file, size, typeof actualSize === 'number' ? actualSize : size);
}

const stderrLogger: CommitmentsLogger = {
  warn(message, attributes) {
    console.warn(JSON.stringify({ level: 'warn', message, ...attributes }));
  },
};
