/**
 * Checks the engine against the SDK's generateCommitments on many blobs. Run by
 * test/integration/commitments-equality.test.ts (compiled, in plain node):
 *   node commitments-equality.js <root> <count> <seed>
 * Prints one JSON line: { checked, throughFile, mismatches, path, kinds, sizes }.
 */
import { createCipheriv, createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import { createSdkReference, loadEngine } from './commitments-reference';

const KiB = 1024;
const MiB = 1024 * KiB;
const CHUNKSET = 10 * MiB;

type Kind = 'random' | 'zero' | 'sparse' | 'runs' | 'constant';
const KINDS: Kind[] = ['random', 'zero', 'sparse', 'runs', 'constant'];

/** Sizes every run checks: empty, leaf, sub-chunk, chunk and chunkset edges, several chunksets. */
const EDGE_SIZES = [
  0,
  1,
  2,
  31,
  32,
  33,
  1023,
  1024,
  1025,
  4095,
  4096,
  4097,
  65_535,
  65_536,
  65_537,
  768 * KiB - 1,
  768 * KiB,
  768 * KiB + 1,
  MiB - 1,
  MiB,
  MiB + 1,
  2 * MiB - 1,
  2 * MiB,
  2 * MiB + 1,
  5 * MiB + 3,
  9 * MiB + 4095,
  CHUNKSET - 1,
  CHUNKSET,
  CHUNKSET + 1,
  2 * CHUNKSET,
  2 * CHUNKSET + 1,
  3 * CHUNKSET - 1,
  2 * CHUNKSET + 7 * MiB + 12_345,
];

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function noise(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16)).update(
    Buffer.alloc(length),
  );
}

function blob(size: number, kind: Kind, seed: string, next: () => number): Uint8Array {
  const data = new Uint8Array(size);
  switch (kind) {
    case 'random':
      data.set(noise(seed, size));
      break;
    case 'zero':
      break;
    case 'constant':
      data.fill(1 + Math.floor(next() * 255));
      break;
    case 'sparse': {
      // A few non-zero bytes anywhere, and always one at the very end when there is room.
      const count = 1 + Math.floor(next() * 12);
      for (let i = 0; i < count && size > 0; i++)
        data[Math.floor(next() * size)] = 1 + Math.floor(next() * 255);
      if (size > 0) data[size - 1] = 0xa5;
      break;
    }
    case 'runs': {
      // Alternating zero and random runs of 1 byte to 64 KiB.
      let at = 0;
      let filled = next() < 0.5;
      while (at < size) {
        const length = Math.min(size - at, 1 + Math.floor(next() ** 3 * 64 * KiB));
        if (filled) data.set(noise(`${seed}/${at}`, length), at);
        at += length;
        filled = !filled;
      }
    }
  }
  return data;
}

function randomSize(next: () => number): number {
  const roll = next();
  if (roll < 0.55) return Math.floor(next() * 64 * KiB) + 1;
  if (roll < 0.8) return 64 * KiB + Math.floor(next() * (1.5 * MiB));
  if (roll < 0.9) return Math.floor(1.5 * MiB + next() * (CHUNKSET - 1.5 * MiB));
  // Near a chunk or sub-chunk boundary inside the first chunkset.
  const boundary = (1 + Math.floor(next() * 10)) * (next() < 0.5 ? MiB : 4096);
  return Math.max(0, Math.min(CHUNKSET, boundary + Math.floor(next() * 9) - 4));
}

async function main(): Promise<void> {
  const [root, countArg = '1000', seedArg = '1'] = process.argv.slice(2);
  const count = Math.max(Number(countArg), EDGE_SIZES.length);
  const seed = Number(seedArg);
  const next = random(seed);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'commitments-equality-'));
  const { createCommitmentsEngine } = loadEngine(root);
  const engine = await createCommitmentsEngine({ cacheDir: path.join(dir, 'cache') });
  const reference = createSdkReference(Math.max(1, os.availableParallelism()));
  const status = await engine.status();

  const cases = Array.from({ length: count }, (_, i) => ({
    index: i,
    size: i < EDGE_SIZES.length ? EDGE_SIZES[i] : randomSize(next),
    kind: KINDS[i % KINDS.length],
  }));
  const mismatches: string[] = [];
  const kinds: Record<string, number> = {};
  const sizes = { zero: 0, upTo64KiB: 0, upTo1MiB: 0, upTo10MiB: 0, multiChunkset: 0 };
  let throughFile = 0;
  let cursor = 0;

  const check = async (): Promise<void> => {
    for (let c = cursor++; c < cases.length; c = cursor++) {
      const { index, size, kind } = cases[c];
      const data = blob(size, kind, `${seed}/${index}`, random(seed * 100_003 + index));
      const viaFile = index % 10 === 3 || size > CHUNKSET;
      const file = path.join(dir, `blob-${index}`);
      if (viaFile) fs.writeFileSync(file, data);
      const [actual, expected] = await Promise.all([
        viaFile ? engine.fromFile(file, size) : engine.fromBytes(data),
        reference.commitments(data),
      ]);
      if (viaFile) {
        fs.rmSync(file);
        throughFile++;
      }
      const root = (expected as { blob_merkle_root: string }).blob_merkle_root;
      if (
        !isDeepStrictEqual(actual.commitments, expected) ||
        actual.blobMerkleRoot !== root ||
        actual.size !== size ||
        actual.numChunksets !== (size === 0 ? 1 : Math.ceil(size / CHUNKSET))
      ) {
        mismatches.push(`blob ${index}: ${kind}, ${size} bytes${viaFile ? ', from a file' : ''}`);
      }
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      if (size === 0) sizes.zero++;
      else if (size <= 64 * KiB) sizes.upTo64KiB++;
      else if (size <= MiB) sizes.upTo1MiB++;
      else if (size <= CHUNKSET) sizes.upTo10MiB++;
      else sizes.multiChunkset++;
    }
  };
  await Promise.all([check(), check(), check(), check()]);

  await Promise.all([engine.close(), reference.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
  const checked = cases.length;
  console.log(
    JSON.stringify({ checked, throughFile, mismatches, path: status.path, kinds, sizes }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
