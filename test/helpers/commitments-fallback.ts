/**
 * Shows that a wrong response table is caught by the engine's start-up self-check and that the
 * engine then falls back to the SDK path, still giving the SDK's commitments. Run by
 * test/integration/commitments-fallback.test.ts:  node commitments-fallback.js <root>
 * Prints one JSON line (see FallbackReport in the test).
 */
import { createCipheriv, createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import type * as ResponseTableModule from '../../src/commitments/response-table';
import { createSdkReference, loadEngine } from './commitments-reference';

function noise(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16)).update(
    Buffer.alloc(length),
  );
}

async function main(): Promise<void> {
  const root = process.argv[2];
  const tables = createRequire(__filename)(
    path.join(root, 'dist', 'commitments', 'response-table.js'),
  ) as typeof ResponseTableModule;
  const { createCommitmentsEngine } = loadEngine(root);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'commitments-fallback-'));
  const goodCache = path.join(dir, 'good');
  const badCache = path.join(dir, 'bad');

  // A healthy engine derives and caches the real table.
  const healthy = await createCommitmentsEngine({ cacheDir: goodCache, threads: 1 });
  const healthyStatus = await healthy.status();
  await healthy.close();

  // Alter one coefficient of data sub-chunk 1 (bytes 4096..8191 of a chunkset) and store the
  // table under the same wasm hash with a valid checksum, so only the self-check can notice.
  const tablePath = tables.responseTablePath(goodCache, healthyStatus.wasmSha256);
  const table = tables.parseResponseTable(fs.readFileSync(tablePath));
  const entry = table.offsets[1];
  const original = table.coefficients[entry];
  table.coefficients[entry] = original ^ 1 || 2;
  fs.mkdirSync(badCache, { recursive: true });
  fs.writeFileSync(
    tables.responseTablePath(badCache, healthyStatus.wasmSha256),
    tables.serializeResponseTable(table),
  );

  const warnings: { message: string; attributes?: Record<string, unknown> }[] = [];
  const logger = {
    warn: (message: string, attributes?: Record<string, unknown>) =>
      warnings.push({ message, attributes }),
  };
  const engine = await createCommitmentsEngine({ cacheDir: badCache, threads: 2, logger });
  const second = await createCommitmentsEngine({ cacheDir: badCache, logger });
  const status = await engine.status();

  // Blobs that the altered coefficient would change on the table path, and a multi-chunkset one.
  const reference = createSdkReference(2);
  const blobs = [
    noise('a', 8192),
    noise('b', 5000),
    noise('c', 70_000),
    noise('d', 10 * 1024 * 1024 + 6000),
  ];
  const equal: boolean[] = [];
  for (const data of blobs) {
    const [actual, again, expected] = await Promise.all([
      engine.fromBytes(data),
      second.fromBytes(data),
      reference.commitments(data),
    ]);
    equal.push(
      isDeepStrictEqual(actual.commitments, expected) &&
        isDeepStrictEqual(again.commitments, expected),
    );
  }
  await Promise.all([engine.close(), second.close(), reference.close()]);
  fs.rmSync(dir, { recursive: true, force: true });

  console.log(
    JSON.stringify({
      healthyPath: healthyStatus.path,
      alteredCoefficient: { from: original, to: table.coefficients[entry] },
      path: status.path,
      mismatches: status.selfCheck.mismatches,
      warnings,
      equal,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
