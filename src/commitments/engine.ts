import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';

import type { ChunksetCommitment, CommitPath } from './chunkset-committer';
import { byteChunksets, fileChunksets } from './chunkset-reader';
import { expectedTotalChunksets } from './constants';
import { fromHex, paddedMerkleRoot, toHex } from './merkle';
import { CommitmentsPool } from './pool';
import { loadShelbySdk } from './sdk';
import { ReferenceCache } from './reference-cache';
import { selfCheck, type SelfCheckResult } from './self-check';
import { identifyClayWasm } from './wasm-identity';

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
   * Worker threads for encoding, defaulting to the number of cores. The first engine in a
   * process sizes the shared pool; later engines reuse it as it is.
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

interface SharedPool {
  pool: CommitmentsPool;
  users: number;
  status: Promise<CommitmentsEngineStatus>;
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
    // Another engine may have been created while the wasm was being hashed.
    shared ??= startSharedPool(options, wasm.sha256);
  }
  const mine = shared;
  mine.users++;
  let closed = false;

  const commit = async (chunksets: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) => {
    if (closed) throw new Error('This commitments engine is closed; create a new one.');
    const { path } = await mine.status;
    return commitBlob(mine.pool, chunksets, path);
  };

  return {
    fromFile: (path, expectedSize) => commit(fileChunksets(path, expectedSize)),
    fromBytes: (bytes) => commit(byteChunksets(bytes)),
    status: () => mine.status,
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

function startSharedPool(options: CommitmentsEngineOptions, wasmSha256: string): SharedPool {
  const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  const pool = new CommitmentsPool(threads, { cacheDir: options.cacheDir, wasmSha256 });
  const logger = options.logger ?? stderrLogger;
  const status = (async (): Promise<CommitmentsEngineStatus> => {
    const { tableError } = await pool.ready;
    const references = new ReferenceCache(options.cacheDir, wasmSha256);
    const result = await selfCheck(
      async (data, path) => (await commitBlob(pool, byteChunksets(data), path)).commitments,
      (data) => references.get(data, (bytes) => pool.run({ kind: 'sdk-blob', data: bytes })),
    );
    const path = result.passed ? 'auto' : 'sdk';
    if (!result.passed) {
      logger.warn('Commitments fast path disagrees with the Shelby SDK; using the SDK path', {
        mismatches: result.mismatches,
        tableError,
        wasmSha256,
      });
    }
    return { path, threads, wasmSha256, selfCheck: result, tableError };
  })();
  const entry: SharedPool = { pool, users: 0, status };
  status.catch(() => {
    // A pool that could not start (or check itself) is not kept: the next engine tries afresh.
    if (shared === entry) shared = undefined;
    void pool.terminate();
  });
  return entry;
}

/**
 * Commits a blob given as a sequence of chunksets: each chunkset is read only once the pool has
 * room for it, sent to a worker, and the roots are assembled here in order.
 */
async function commitBlob(
  pool: CommitmentsPool,
  chunksets: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  path: CommitPath,
): Promise<BlobCommitments> {
  const pending: Promise<ChunksetCommitment>[] = [];
  let size = 0;
  const iterator =
    Symbol.asyncIterator in chunksets
      ? chunksets[Symbol.asyncIterator]()
      : chunksets[Symbol.iterator]();
  for (;;) {
    const free = await pool.reserve();
    let next: IteratorResult<Uint8Array, void>;
    try {
      next = await iterator.next();
    } catch (error) {
      free();
      throw error;
    }
    if (next.done === true) {
      free();
      break;
    }
    size += next.value.byteLength;
    const result = pool.run({ kind: 'chunkset', data: next.value, path });
    result.then(free, free);
    pending.push(result);
  }
  const entries = await Promise.all(pending);

  const chunksetCommitments = entries.map((entry) => ({
    chunkset_root: entry.chunksetRoot,
    chunk_commitments: entry.chunkCommitments,
  }));
  const blobMerkleRoot = await blobRoot(entries, path);
  const { schemaVersion } = await pool.ready;
  return {
    blobMerkleRoot,
    numChunksets: expectedTotalChunksets(size),
    size,
    commitments: {
      schema_version: schemaVersion,
      raw_data_size: size,
      blob_merkle_root: blobMerkleRoot,
      chunkset_commitments: chunksetCommitments,
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

const stderrLogger: CommitmentsLogger = {
  warn(message, attributes) {
    console.warn(JSON.stringify({ level: 'warn', message, ...attributes }));
  },
};
