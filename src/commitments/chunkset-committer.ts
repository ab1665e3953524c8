import { open } from 'node:fs/promises';

import type { ClayErasureCodingProvider } from '@shelby-protocol/sdk/node' with {
  'resolution-mode': 'import',
};

import { readChunkset } from './chunkset-reader';
import { ClayEncoder } from './clay-encoder';
import { CHUNKSET_SIZE } from './constants';
import { HybridPath } from './hybrid-path';
import { toHex } from './merkle';
import type { WorkerSetup } from './protocol';
import {
  loadOrDeriveResponseTable,
  readCachedResponseTable,
  type ResponseTable,
} from './response-table';
import { loadShelbySdk, type ShelbySdkModule } from './sdk';
import { findSupport, tablePathCost, tablePathRoots, type ChunksetRoots } from './table-path';

/**
 * How a chunkset is committed: `table` (no encode; parity from the response table), `hybrid`
 * (wasm encode, node:crypto hashing), `sdk` (the SDK's generateCommitments, the reference), or
 * `auto` (the cheaper of table and hybrid for this chunkset's data).
 */
export type CommitPath = 'auto' | 'table' | 'hybrid' | 'sdk';

/** One chunkset's commitments, in the SDK's spelling. */
export interface ChunksetCommitment {
  chunksetRoot: string;
  chunkCommitments: string[];
}

/**
 * Above this many bytes of GF multiply-accumulate (about 30 per non-zero data byte), a wasm
 * encode is cheaper than the table path. Measured in CPU time on this project's machines, the
 * two cross between 1.5 and 2 MiB of dense data (50–65 M); the limit sits below that, at about
 * 1.2 MiB, because the table path suffers more when other processes share the caches.
 */
export const TABLE_PATH_COST_LIMIT = 36 * 1024 * 1024;

interface SdkTools {
  sdk: ShelbySdkModule;
  provider: ClayErasureCodingProvider;
}

/**
 * Commits chunksets on one thread, with one response table and, only once a chunkset needs it,
 * one Clay encoder (about 42 MiB of wasm memory). The SDK and its provider (an encoder and a
 * decoder, about 115 MiB with the SDK) are loaded only for the `sdk` path, the fallback when the
 * self-check fails, so a thread that commits sparse or small data on the table path stays small.
 */
export class ChunksetCommitter {
  private hybrid?: Promise<HybridPath>;
  private readBuffer?: Uint8Array;
  private sdkTools?: Promise<SdkTools>;

  private constructor(
    private readonly setup: WorkerSetup,
    private readonly table: ResponseTable | undefined,
    /** Why the table path is unavailable, if it is. */
    readonly tableError: string | undefined,
  ) {}

  /**
   * Loads (or derives and caches) the response table for the given wasm. A table that cannot be
   * derived leaves the table path off; the hybrid and SDK paths still work.
   */
  static async create(setup: WorkerSetup): Promise<ChunksetCommitter> {
    let table = await readCachedResponseTable(setup.cacheDir, setup.wasmSha256);
    let tableError: string | undefined;
    let hybrid: Promise<HybridPath> | undefined;
    if (table === undefined) {
      try {
        // Deriving takes one encode; the encoder then stays for the hybrid path.
        hybrid = startHybrid(setup);
        const encoder = (await hybrid).encoder as ClayEncoder;
        table = await loadOrDeriveResponseTable(
          setup.cacheDir,
          setup.wasmSha256,
          (chunkset) => encoder.encode(chunkset).chunks,
        );
      } catch (error) {
        tableError = error instanceof Error ? error.message : String(error);
      }
    }
    const committer = new ChunksetCommitter(setup, table, tableError);
    committer.hybrid = hybrid;
    return committer;
  }

  /** Commitments of one unpadded chunkset (0 to 10 MiB; empty means the all-zero chunkset). */
  async commit(data: Uint8Array, path: CommitPath): Promise<ChunksetCommitment> {
    if (data.byteLength > CHUNKSET_SIZE) {
      throw new RangeError(
        `A chunkset holds at most ${CHUNKSET_SIZE} bytes, not ${data.byteLength}.`,
      );
    }
    if (path === 'sdk') {
      const { sdk, provider } = await this.loadSdkTools();
      const commitments = await sdk.generateCommitments(provider, data);
      const entry = commitments.chunkset_commitments[0];
      return { chunksetRoot: entry.chunkset_root, chunkCommitments: entry.chunk_commitments };
    }
    return spell(await this.fastRoots(data, path));
  }

  /**
   * Commitments of chunkset `index` of a file planned at `size` bytes, read into a buffer this
   * thread keeps; fails with FileChangedError when the file no longer has that size.
   */
  async commitFromFile(
    file: string,
    size: number,
    index: number,
    path: CommitPath,
  ): Promise<ChunksetCommitment> {
    this.readBuffer ??= new Uint8Array(CHUNKSET_SIZE);
    const handle = await open(file, 'r');
    try {
      return await this.commit(
        await readChunkset(handle, file, size, index, this.readBuffer),
        path,
      );
    } finally {
      await handle.close();
    }
  }

  private async fastRoots(
    data: Uint8Array,
    path: 'auto' | 'table' | 'hybrid',
  ): Promise<ChunksetRoots> {
    if (path === 'hybrid') return (await this.loadHybrid()).roots(data);
    if (this.table === undefined) {
      if (path === 'table') throw new Error(`The table path is unavailable: ${this.tableError}`);
      return (await this.loadHybrid()).roots(data);
    }
    const support = findSupport(data);
    if (path === 'auto' && tablePathCost(support, this.table) > TABLE_PATH_COST_LIMIT) {
      return (await this.loadHybrid()).roots(data);
    }
    return tablePathRoots(data, support, this.table);
  }

  private loadHybrid(): Promise<HybridPath> {
    this.hybrid ??= startHybrid(this.setup);
    return this.hybrid;
  }

  private loadSdkTools(): Promise<SdkTools> {
    this.sdkTools ??= (async () => {
      const sdk = await loadShelbySdk();
      return { sdk, provider: await sdk.ClayErasureCodingProvider.create() };
    })();
    return this.sdkTools;
  }
}

async function startHybrid(setup: WorkerSetup): Promise<HybridPath> {
  return new HybridPath(await ClayEncoder.load(setup.clayModule));
}

function spell(roots: ChunksetRoots): ChunksetCommitment {
  return { chunksetRoot: toHex(roots.chunksetRoot), chunkCommitments: roots.chunkRoots.map(toHex) };
}
