import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The Clay wasm the SDK loads, and its sha256 (the key of every derived table). */
export interface WasmIdentity {
  path: string;
  sha256: string;
}

/**
 * Finds the clay.wasm that the SDK itself loads: clay-codes resolved from the SDK's own folder,
 * as Node would resolve the SDK's import, so a nested copy of clay-codes under the SDK wins over
 * a top-level one, exactly as it does for the SDK.
 */
export async function identifyClayWasm(): Promise<WasmIdentity> {
  const sdkFolder = (require.resolve.paths('@shelby-protocol/sdk') ?? [])
    .map((folder) => join(folder, '@shelby-protocol', 'sdk'))
    .find((folder) => existsSync(join(folder, 'package.json')));
  if (sdkFolder === undefined) {
    throw new Error('@shelby-protocol/sdk is not installed; run npm install.');
  }
  const path = createRequire(join(sdkFolder, 'package.json')).resolve(
    '@shelby-protocol/clay-codes/clay.wasm',
  );
  const sha256 = createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
  return { path, sha256 };
}
