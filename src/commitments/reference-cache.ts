import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The SDK's answers for the self-check's fixed probes, kept on disk per Clay wasm and pinned SDK
 * version. Computing them costs about seven chunksets of SDK work (seconds) and the SDK's memory;
 * reading them lets every later worker check its fast paths against the SDK's own results in
 * milliseconds.
 */
export class ReferenceCache {
  private readonly file: string;
  private entries: Record<string, unknown> = {};

  constructor(cacheDir: string, wasmSha256: string) {
    const sdkVersion = pinnedSdkVersion();
    this.file = path.join(cacheDir, `sdk-reference-${wasmSha256.slice(0, 16)}-${sdkVersion}.json`);
    try {
      this.entries = JSON.parse(fs.readFileSync(this.file, 'utf8'));
    } catch {
      this.entries = {};
    }
  }

  /**
   * The SDK's commitments of each blob, in order: from the cache, and those missing through one
   * call of `compute` (then kept).
   */
  async getAll(
    blobs: Uint8Array[],
    compute: (missing: Uint8Array[]) => Promise<unknown[]>,
  ): Promise<unknown[]> {
    const keys = blobs.map((blob) => createHash('sha256').update(blob).digest('hex'));
    const missing = blobs.filter((_, i) => !(keys[i] in this.entries));
    if (missing.length > 0) {
      const computed = await compute(missing);
      const missingKeys = keys.filter((key) => !(key in this.entries));
      missingKeys.forEach((key, i) => {
        // Kept as it survives JSON, so a cached answer equals a computed one.
        this.entries[key] = JSON.parse(JSON.stringify(computed[i]));
      });
      const temporary = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, JSON.stringify(this.entries));
      fs.renameSync(temporary, this.file);
    }
    return keys.map((key) => this.entries[key]);
  }
}

/** The Shelby SDK version this package pins (its own package.json is not exported). */
function pinnedSdkVersion(): string {
  try {
    const manifest = path.join(__dirname, '..', '..', 'package.json');
    const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    return String(pkg.dependencies?.['@shelby-protocol/sdk'] ?? 'unknown').replace(
      /[^0-9A-Za-z.-]/g,
      '',
    );
  } catch {
    return 'unknown';
  }
}
