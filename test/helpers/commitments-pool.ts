/**
 * Shows that the engine keeps encoding off the caller's event loop and that memory stays flat
 * for a file far larger than RAM would allow to hold: a 3 GiB sparse file with a few islands of
 * data. Run by test/integration/commitments-pool.test.ts:  node commitments-pool.js <root>
 * Prints one JSON line (see PoolReport in the test).
 */
import { createCipheriv, createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';

import { createSdkReference, loadEngine, loadSdk } from './commitments-reference';

const MiB = 1024 * 1024;
const CHUNKSET = 10 * MiB;

function noise(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16)).update(
    Buffer.alloc(length),
  );
}

/** Runs `work` while watching the event loop: the longest gap between 5 ms ticks, and utilisation. */
async function watchLoop<T>(
  work: () => Promise<T>,
): Promise<{ result: T; maxGapMs: number; utilization: number }> {
  let last = performance.now();
  let maxGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  }, 5);
  const before = performance.eventLoopUtilization();
  try {
    const result = await work();
    return { result, maxGapMs, utilization: performance.eventLoopUtilization(before).utilization };
  } finally {
    clearInterval(timer);
  }
}

async function main(): Promise<void> {
  const root = process.argv[2];
  const { createCommitmentsEngine } = loadEngine(root);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'commitments-pool-'));
  const engine = await createCommitmentsEngine({ cacheDir: path.join(dir, 'cache') });
  const status = await engine.status();
  const sdk = await loadSdk();
  const provider = await sdk.ClayErasureCodingProvider.create();

  // 1. The event loop stays free while 40 MiB of dense data (hybrid path) is committed.
  const dense = path.join(dir, 'dense.bin');
  fs.writeFileSync(dense, noise('dense', 4 * CHUNKSET));
  const loop = await watchLoop(() =>
    Promise.all([
      engine.fromFile(dense, 4 * CHUNKSET),
      engine.fromBytes(noise('bytes', 2 * CHUNKSET + 1)),
    ]),
  );
  // The same work done in this thread by the SDK, for comparison.
  const inline = await watchLoop(() =>
    sdk.generateCommitments(provider, noise('bytes', 2 * CHUNKSET + 1)),
  );
  const denseEqual = isDeepStrictEqual(
    loop.result[1].commitments,
    await sdk.generateCommitments(provider, noise('bytes', 2 * CHUNKSET + 1)),
  );

  // 2. A 3 GiB sparse file with data at the start, across a chunkset boundary and at the end.
  const size = 3 * 1024 * MiB + 12_345;
  const sparse = path.join(dir, 'sparse.bin');
  const islands: [number, Buffer][] = [
    [0, noise('head', 3000)],
    [150 * CHUNKSET - 2 * MiB, noise('middle', 5 * MiB)],
    [size - 100, noise('tail', 100)],
  ];
  const fd = fs.openSync(sparse, 'w');
  fs.ftruncateSync(fd, size);
  for (const [offset, bytes] of islands) fs.writeSync(fd, bytes, 0, bytes.length, offset);
  fs.closeSync(fd);

  const baselineRss = process.memoryUsage().rss;
  let peakRss = baselineRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const started = performance.now();
  const big = await engine.fromFile(sparse, size);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  // Expected value from the SDK, chunkset by chunkset: the SDK commits each chunkset on its own
  // (zero-padded), so the blob is the SDK's entries under the SDK's generateMerkleRoot.
  const reference = createSdkReference(1);
  const zeroEntry = (
    (await reference.commitments(new Uint8Array(0))) as { chunkset_commitments: unknown[] }
  ).chunkset_commitments[0] as { chunkset_root: string };
  const count = Math.ceil(size / CHUNKSET);
  const entries: { chunkset_root: string }[] = new Array(count).fill(zeroEntry);
  const touched = new Set<number>();
  for (const [offset, bytes] of islands) {
    for (
      let c = Math.floor(offset / CHUNKSET);
      c <= Math.floor((offset + bytes.length - 1) / CHUNKSET);
      c++
    )
      touched.add(c);
  }
  const handle = fs.openSync(sparse, 'r');
  for (const c of touched) {
    const chunkset = Buffer.alloc(Math.min(CHUNKSET, size - c * CHUNKSET));
    fs.readSync(handle, chunkset, 0, chunkset.length, c * CHUNKSET);
    const one = (await reference.commitments(chunkset)) as {
      chunkset_commitments: { chunkset_root: string }[];
    };
    entries[c] = one.chunkset_commitments[0];
  }
  fs.closeSync(handle);
  const { Hex } = await import('@aptos-labs/ts-sdk');
  const expected = {
    schema_version: sdk.COMMITMENT_SCHEMA_VERSION,
    raw_data_size: size,
    blob_merkle_root: (
      await sdk.generateMerkleRoot(entries.map((e) => Hex.fromHexInput(e.chunkset_root)))
    ).toString(),
    chunkset_commitments: entries,
  };

  await Promise.all([engine.close(), reference.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      path: status.path,
      threads: status.threads,
      loop: { maxGapMs: loop.maxGapMs, utilization: loop.utilization },
      inline: { maxGapMs: inline.maxGapMs, utilization: inline.utilization },
      denseEqual,
      sparse: {
        size,
        numChunksets: big.numChunksets,
        equal: isDeepStrictEqual(big.commitments, expected),
        seconds,
        baselineRssMiB: Math.round(baselineRss / MiB),
        peakRssMiB: Math.round(peakRss / MiB),
      },
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
