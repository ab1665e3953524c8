import { isDeepStrictEqual } from 'node:util';

import type { CommitPath } from './chunkset-committer';
import { CHUNK_SIZE, CHUNKSET_SIZE } from './constants';
import { SUB_CHUNK_SIZE } from './response-table';

/** What the start-up comparison with the SDK found. */
export interface SelfCheckResult {
  /** The table path matched the SDK on every blob it was given. */
  table: boolean;
  /** The hybrid path matched the SDK on every blob it was given. */
  hybrid: boolean;
  /** One line per blob that differed, naming the path and the blob. */
  mismatches: string[];
}

/** Computes a blob's commitments object through the engine, on a given path. */
export type CommitThrough = (data: Uint8Array, path: CommitPath) => Promise<unknown>;

interface Probe {
  name: string;
  path: Exclude<CommitPath, 'sdk'>;
  data: Uint8Array;
}

/**
 * Compares the fast paths with the SDK's own generateCommitments on a handful of blobs, so a
 * clay-codes or SDK change that the table or the hashing no longer models is caught before any
 * root is registered. The blobs are fixed (seeded), cover the empty blob, partial leaves and
 * sub-chunks, dense and multi-chunkset data, and one probe that puts random non-zero bytes at
 * random offsets in every one of the 2560 data sub-chunks: any wrong, missing or extra table
 * coefficient changes at least one root. About 7 chunksets of SDK work (1–2 s on one core).
 */
export async function selfCheck(
  commit: CommitThrough,
  reference: (data: Uint8Array) => Promise<unknown>,
): Promise<SelfCheckResult> {
  const random = seededRandom(0x5eb1);
  const probes: Probe[] = [
    { name: 'empty', path: 'table', data: new Uint8Array(0) },
    { name: '1500 random bytes', path: 'table', data: randomBytes(1500, random) },
    { name: '70000 random bytes', path: 'table', data: randomBytes(70_000, random) },
    { name: 'every data sub-chunk', path: 'table', data: subChunkProbe(random) },
    { name: '1 MiB + 13 random bytes', path: 'hybrid', data: randomBytes(CHUNK_SIZE + 13, random) },
    {
      name: '10 MiB + 5000 random bytes',
      path: 'auto',
      data: randomBytes(CHUNKSET_SIZE + 5000, random),
    },
  ];

  const outcomes = await Promise.all(
    probes.map(async (probe) => {
      // Each side gets its own copy: the pool transfers (and so detaches) the buffers it is given.
      const [actual, expected] = await Promise.all([
        commit(probe.data.slice(), probe.path).catch((error: Error) => error.message),
        reference(probe.data.slice()),
      ]);
      return { probe, matches: isDeepStrictEqual(actual, expected) };
    }),
  );

  const failed = (path: CommitPath): boolean =>
    outcomes.some((outcome) => !outcome.matches && outcome.probe.path === path);
  // The auto probe runs both paths; when the table is already known bad it says nothing new
  // about the hybrid path, which is then used alone.
  const table = !failed('table') && !failed('auto');
  return {
    table,
    hybrid: !failed('hybrid') && (!failed('auto') || failed('table')),
    mismatches: outcomes
      .filter(({ matches }) => !matches)
      .map(({ probe }) => `${probe.path} path, ${probe.name}`),
  };
}

function subChunkProbe(random: () => number): Uint8Array {
  const data = new Uint8Array(CHUNKSET_SIZE);
  for (let start = 0; start < CHUNKSET_SIZE; start += SUB_CHUNK_SIZE) {
    for (let k = 0; k < 3; k++) {
      data[start + Math.floor(random() * SUB_CHUNK_SIZE)] = 1 + Math.floor(random() * 255);
    }
  }
  return data;
}

function randomBytes(length: number, random: () => number): Uint8Array {
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = Math.floor(random() * 256);
  return data;
}

/** mulberry32: a small seeded generator, so every process checks the same blobs. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
