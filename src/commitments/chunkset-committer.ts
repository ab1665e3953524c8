import type { ClayErasureCodingProvider } from '@shelby-protocol/sdk/node' with {
  'resolution-mode': 'import',
};

import { CHUNKSET_SIZE } from './constants';
import { HybridPath } from './hybrid-path';
import { toHex } from './merkle';
import { loadOrDeriveResponseTable, type ResponseTable } from './response-table';
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

/**
 * Commits chunksets on one thread: one Clay provider (about 83 MiB of wasm memory) and one
 * response table per thread, so a thread never waits on another.
 */
export class ChunksetCommitter {
  private constructor(
    private readonly sdk: ShelbySdkModule,
    private readonly provider: ClayErasureCodingProvider,
    private readonly hybrid: HybridPath,
    private readonly table: ResponseTable | undefined,
    /** Why the table path is unavailable, if it is. */
    readonly tableError: string | undefined,
  ) {}

  /**
   * Creates the provider and loads (or derives and caches) the response table for the given
   * wasm. A table that cannot be derived leaves the table path off; the hybrid and SDK paths
   * still work.
   */
  static async create(cacheDir: string, wasmSha256: string): Promise<ChunksetCommitter> {
    const sdk = await loadShelbySdk();
    const provider = await sdk.ClayErasureCodingProvider.create();
    let table: ResponseTable | undefined;
    let tableError: string | undefined;
    try {
      table = await loadOrDeriveResponseTable(
        cacheDir,
        wasmSha256,
        (chunkset) => provider.encode(chunkset).chunks,
      );
    } catch (error) {
      tableError = error instanceof Error ? error.message : String(error);
    }
    return new ChunksetCommitter(sdk, provider, new HybridPath(provider), table, tableError);
  }

  /** Commitments of one unpadded chunkset (0 to 10 MiB; empty means the all-zero chunkset). */
  async commit(data: Uint8Array, path: CommitPath): Promise<ChunksetCommitment> {
    if (data.byteLength > CHUNKSET_SIZE) {
      throw new RangeError(
        `A chunkset holds at most ${CHUNKSET_SIZE} bytes, not ${data.byteLength}.`,
      );
    }
    if (path === 'sdk') {
      const commitments = await this.sdk.generateCommitments(this.provider, data);
      const entry = commitments.chunkset_commitments[0];
      return { chunksetRoot: entry.chunkset_root, chunkCommitments: entry.chunk_commitments };
    }
    return spell(this.fastRoots(data, path));
  }

  /** The SDK's own generateCommitments over a whole blob: the reference the self-check compares with. */
  async sdkCommitments(data: Uint8Array): Promise<unknown> {
    return this.sdk.generateCommitments(this.provider, data);
  }

  private fastRoots(data: Uint8Array, path: 'auto' | 'table' | 'hybrid'): ChunksetRoots {
    if (path === 'hybrid') return this.hybrid.roots(data);
    if (this.table === undefined) {
      if (path === 'table') throw new Error(`The table path is unavailable: ${this.tableError}`);
      return this.hybrid.roots(data);
    }
    const support = findSupport(data);
    if (path === 'auto' && tablePathCost(support, this.table) > TABLE_PATH_COST_LIMIT) {
      return this.hybrid.roots(data);
    }
    return tablePathRoots(data, support, this.table);
  }
}

function spell(roots: ChunksetRoots): ChunksetCommitment {
  return { chunksetRoot: toHex(roots.chunksetRoot), chunkCommitments: roots.chunkRoots.map(toHex) };
}
