import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import { hash53 } from '../accounts/hash';
import { ManifestWriter, type ManifestSummary } from '../manifest/manifest';
import { InvalidPrefix, SourceNotFound } from './errors';
import { toBlobName, validateBlobName, validatePrefix } from './names';
import { walkSource } from './walk';

/** What to plan. */
export interface PlanBatchOptions {
  /** Files and folders to upload; a folder contributes its contents, not its own name. */
  sources: string[];
  /** Prepended to every blob name. */
  prefix: string;
  /** Folder to write the manifest to; an earlier manifest there is replaced. */
  manifestDir: string;
  /** Follow symbolic links that stay inside their source (loops are detected); default false. */
  followSymlinks?: boolean;
  /** Manifest entries per page. */
  pageSize?: number;
  /** Folder that relative sources are resolved against; default `process.cwd()`. */
  cwd?: string;
  /** Called every {@link PROGRESS_EVERY} entries (e.g. to heartbeat a long walk). */
  onProgress?: (progress: { files: number; bytes: number }) => void;
}

/** How often planning reports progress, in entries. */
export const PROGRESS_EVERY = 1000;

/**
 * Walks the sources and writes the manifest of a batch: one entry per file found, uploadable or
 * skipped with a reason, in a stable order.
 *
 * A file source is named prefix + its base name; a folder source gives prefix + each file's path
 * inside it. Names are NFC-normalised and checked before anything is paid for; a name that two
 * files share is kept for the first and the second is skipped naming the first. Memory stays
 * flat with the tree's size: entries stream to disk a page at a time and collisions are found
 * through a set of 53-bit name hashes.
 *
 * @throws SourceNotFound when a source does not exist, and InvalidPrefix for a bad prefix, both
 *   before anything is written
 */
export async function planBatch(options: PlanBatchOptions): Promise<ManifestSummary> {
  const prefixCheck = validatePrefix(options.prefix);
  if (!prefixCheck.ok) throw new InvalidPrefix(prefixCheck.reason);
  const cwd = options.cwd ?? process.cwd();
  const sources = options.sources.map((source) => ({
    given: source,
    absolute: path.resolve(cwd, source),
  }));
  const missing: string[] = [];
  for (const source of sources) {
    try {
      await fs.stat(source.absolute);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') missing.push(source.given);
    }
  }
  if (missing.length > 0) throw new SourceNotFound(missing);

  const writer = new ManifestWriter(options.manifestDir, options.pageSize);
  const names = new NameRegistry(writer);
  let files = 0;
  let bytes = 0;
  for (const source of sources) {
    for await (const item of walkSourceOrReport(source.absolute, options.followSymlinks)) {
      const name = toBlobName(options.prefix, item.relative);
      const entry = { path: item.path, name, size: item.size, mtimeMs: item.mtimeMs };
      let skip = item.skip;
      if (!skip) {
        const check = validateBlobName(name);
        if (!check.ok) skip = { reason: 'invalid-name', detail: check.reason };
      }
      // Most names hash to nothing seen before; only a hash hit costs a look at the manifest.
      if (!skip && names.mayHold(name)) {
        const other = await names.holderOf(name);
        if (other !== undefined) {
          skip = { reason: 'duplicate-name', detail: `same blob name as ${other}` };
        }
      }
      const index = writer.append(skip ? { ...entry, skip } : entry);
      if (!skip) {
        names.record(name, index);
        bytes += entry.size;
      }
      if (++files % PROGRESS_EVERY === 0) options.onProgress?.({ files, bytes });
      const wait = writer.backpressure();
      if (wait) await wait;
    }
  }
  return writer.close();
}

// A source that cannot even be stat'ed (a parent folder without search permission) is reported
// as unreadable rather than failing the whole plan.
async function* walkSourceOrReport(source: string, followSymlinks?: boolean) {
  try {
    await fs.stat(source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    const skip = { reason: 'unreadable' as const, detail: code };
    yield { path: source, relative: path.basename(source), size: 0, mtimeMs: 0, skip };
    return;
  }
  yield* walkSource(source, { followSymlinks });
}

/**
 * Which entry holds each blob name, by hash: a number per name instead of the name itself. A hash
 * hit is confirmed against the stored entry, so a hash collision never skips a file.
 */
class NameRegistry {
  private readonly byHash = new Map<number, number | number[]>();

  constructor(private readonly writer: ManifestWriter) {}

  /** Whether an entry may hold this name: false is certain, true needs {@link holderOf}. */
  mayHold(name: string): boolean {
    return this.byHash.has(hash53(name));
  }

  /** The path of the entry already holding this name, if any. */
  async holderOf(name: string): Promise<string | undefined> {
    const held = this.byHash.get(hash53(name));
    if (held === undefined) return undefined;
    for (const index of typeof held === 'number' ? [held] : held) {
      const entry = await this.writer.lookup(index);
      if (entry?.name === name) return entry.path;
    }
    return undefined;
  }

  record(name: string, index: number): void {
    const key = hash53(name);
    const held = this.byHash.get(key);
    if (held === undefined) this.byHash.set(key, index);
    else if (typeof held === 'number') this.byHash.set(key, [held, index]);
    else held.push(index);
  }
}
