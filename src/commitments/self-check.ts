import { createCipheriv, createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';

import type { CommitPath } from './chunkset-committer';
import { CHUNK_SIZE, CHUNKSET_SIZE } from './constants';
import { SUB_CHUNK_SIZE } from './response-table';

/** What the start-up comparison with the SDK found. */
export interface SelfCheckResult {
  /** Every probe matched the SDK, so the fast paths may be used. */
  passed: boolean;
  /** One line per probe that differed (or failed), naming the path and the blob. */
  mismatches: string[];
}

/** Computes a blob's commitments object through the engine, on a given path. */
export type CommitThrough = (data: Uint8Array, path: CommitPath) => Promise<unknown>;

/**
 * The SDK's commitments objects of the given blobs, in order. It must leave the blobs as they
 * are (neither change nor transfer them).
 */
export type SdkReferences = (blobs: Uint8Array[]) => Promise<unknown[]>;

interface Probe {
  name: string;
  path: Exclude<CommitPath, 'sdk'>;
  data: Uint8Array;
}

/**
 * Compares the fast paths with the SDK's own generateCommitments on a handful of blobs, so a
 * clay-codes or SDK change that the table or the hashing no longer models is caught before any
 * root is registered. The blobs are fixed (seeded) and cover the empty blob, partial leaves and
 * sub-chunks, a dense chunkset, a two-chunkset blob (blob-root assembly, and the auto choice of
 * path), and one probe that puts random non-zero bytes at random offsets in every one of the
 * 2560 data sub-chunks: any wrong, missing or extra table coefficient changes at least one
 * root. About 7 chunksets of SDK work, 1–2 s on one core, unless the references are cached.
 * The references are all obtained before the fast paths run, so whatever computes them can be
 * released first and the two never hold memory at the same time.
 */
export async function selfCheck(
  commit: CommitThrough,
  references: SdkReferences,
): Promise<SelfCheckResult> {
  const probes: Probe[] = [
    { name: 'empty', path: 'table', data: new Uint8Array(0) },
    { name: '1500 random bytes', path: 'table', data: seededBytes(1, 1500) },
    { name: '70000 random bytes', path: 'table', data: seededBytes(2, 70_000) },
    { name: 'every data sub-chunk', path: 'table', data: subChunkProbe(seededBytes(3, 4096 * 9)) },
    { name: '1 MiB + 13 random bytes', path: 'hybrid', data: seededBytes(4, CHUNK_SIZE + 13) },
    {
      name: '10 MiB + 5000 random bytes',
      path: 'auto',
      data: seededBytes(5, CHUNKSET_SIZE + 5000),
    },
  ];

  const expected = await references(probes.map((probe) => probe.data));
  const mismatches = await Promise.all(
    probes.map(async (probe, i) => {
      // The last use of the probe's bytes: the pool may transfer (and so detach) them.
      const actual = await commit(probe.data, probe.path).catch((error: Error) => error);
      if (isDeepStrictEqual(actual, expected[i])) return undefined;
      const why = actual instanceof Error ? `failed: ${actual.message}` : 'differs from the SDK';
      return `${probe.path} path, ${probe.name}: ${why}`;
    }),
  );
  const failed = mismatches.filter((line): line is string => line !== undefined);
  return { passed: failed.length === 0, mismatches: failed };
}

/** A chunkset with three random non-zero bytes at random offsets in each data sub-chunk. */
function subChunkProbe(random: Uint8Array): Uint8Array {
  const data = new Uint8Array(CHUNKSET_SIZE);
  let r = 0;
  for (let start = 0; start < CHUNKSET_SIZE; start += SUB_CHUNK_SIZE) {
    for (let k = 0; k < 3; k++, r += 3) {
      const offset = ((random[r] << 8) | random[r + 1]) % SUB_CHUNK_SIZE;
      data[start + offset] = 1 + (random[r + 2] % 255);
    }
  }
  return data;
}

/** Deterministic pseudo-random bytes (AES-128-CTR keyed by the seed): the same in every process. */
export function seededBytes(seed: number, length: number): Uint8Array {
  const key = createHash('sha256').update(`shelby-batch commitments ${seed}`).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  return new Uint8Array(cipher.update(Buffer.alloc(length)));
}
