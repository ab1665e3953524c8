import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The SDK's answers for the self-check's fixed probes, kept on disk per Clay wasm and pinned SDK
 * version. Computing them costs about seven chunksets of SDK work (seconds); reading them lets
 * every later worker check its fast paths against the SDK's own results in milliseconds.
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

  /** The SDK's commitments for `data`, from the cache or computed (and then kept). */
  async get(data: Uint8Array, compute: (data: Uint8Array) => Promise<unknown>): Promise<unknown> {
    const key = createHash('sha256').update(data).digest('hex');
    if (key in this.entries) return this.entries[key];
    const value = await compute(data);
    // Kept only when it survives JSON unchanged, so a cached answer equals a computed one.
    this.entries[key] = JSON.parse(JSON.stringify(value));
    const temporary = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(this.entries));
    fs.renameSync(temporary, this.file);
    return value;
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
