import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import { hash53 } from '../accounts/hash';
import { ManifestWriter, type ManifestSummary } from '../manifest/manifest';
import { validateBlobName } from './names';
import { walkSourceInBatches, type WalkItem, type WalkOptions } from './walk';

/** A walked item and the blob name it is to be stored under. */
export interface NamedItem {
  item: WalkItem;
  name: string;
}

/** Where and how to write a plan. */
export interface WritePlanOptions {
  /** Folder to write the manifest to; an earlier manifest there is replaced. */
  manifestDir: string;
  /** Manifest entries per page. */
  pageSize?: number;
  /** Called every {@link PROGRESS_EVERY} entries (e.g. to heartbeat a long walk). */
  onProgress?: (progress: { files: number; bytes: number }) => void;
}

/** How often planning reports progress, in entries. */
export const PROGRESS_EVERY = 1000;

/**
 * Writes named items, given a batch at a time, as a manifest, checking each name before anything is paid for: a name
 * Shelby would refuse is skipped as `invalid-name`, and a name an earlier entry holds is skipped
 * as `duplicate-name`, naming that entry's file. Memory stays flat with the number of items:
 * entries stream to disk a page at a time and collisions are found through 53-bit name hashes.
 */
export async function writePlan(
  named: AsyncIterable<NamedItem[]>,
  options: WritePlanOptions,
): Promise<ManifestSummary> {
  const writer = new ManifestWriter(options.manifestDir, options.pageSize);
  const names = new NameRegistry(writer);
  let files = 0;
  let bytes = 0;
  for await (const batch of named) {
    for (const { item, name } of batch) {
      const entry = { path: item.path, name, size: item.size, mtimeMs: item.mtimeMs };
      let skip = item.skip;
      if (!skip) {
        const check = validateBlobName(name);
        if (!check.ok) skip = { reason: 'invalid-name', detail: check.reason };
      }
      // Most names hash to nothing seen before; only a hash hit costs a look at the manifest.
      const hash = hash53(name);
      if (!skip && names.mayHold(hash)) {
        const other = await names.holderOf(name, hash);
        if (other === item.path) {
          // The same file reached twice (a path given twice): once is enough, and no failure.
          skip = { reason: 'same-file', detail: 'listed more than once; uploaded once' };
        } else if (other !== undefined) {
          skip = { reason: 'duplicate-name', detail: `same blob name as ${other}` };
        }
      }
      const index = writer.append(skip ? { ...entry, skip } : entry);
      if (!skip) {
        names.record(hash, index);
        bytes += entry.size;
      }
      if (++files % PROGRESS_EVERY === 0) options.onProgress?.({ files, bytes });
      const wait = writer.backpressure();
      if (wait) await wait;
    }
  }
  return writer.close();
}

/**
 * Walks a file or folder like {@link walkSourceInBatches}, but reports one that cannot even be
 * stat'ed (it vanished, or a parent folder lacks search permission) as an unreadable item instead
 * of failing.
 */
export async function* walkOrReport(
  source: string,
  options: WalkOptions = {},
): AsyncGenerator<WalkItem[]> {
  try {
    await fs.stat(source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    const skip = { reason: 'unreadable' as const, detail: code };
    yield [{ path: source, relative: path.basename(source), size: 0, mtimeMs: 0, skip }];
    return;
  }
  yield* walkSourceInBatches(source, options);
}

/**
 * Which entry holds each blob name, by hash: a number per name instead of the name itself. A hash
 * hit is confirmed against the stored entry, so a hash collision never skips a file.
 */
class NameRegistry {
  private readonly byHash = new Map<number, number | number[]>();

  constructor(private readonly writer: ManifestWriter) {}

  /** Whether an entry may hold a name of this hash: false is certain, true needs a look. */
  mayHold(hash: number): boolean {
    return this.byHash.has(hash);
  }

  /** The path of the entry already holding this name, if any. */
  async holderOf(name: string, hash: number): Promise<string | undefined> {
    const held = this.byHash.get(hash);
    if (held === undefined) return undefined;
    for (const index of typeof held === 'number' ? [held] : held) {
      const entry = await this.writer.lookup(index);
      if (entry?.name === name) return entry.path;
    }
    return undefined;
  }

  record(hash: number, index: number): void {
    const held = this.byHash.get(hash);
    if (held === undefined) this.byHash.set(hash, index);
    else if (typeof held === 'number') this.byHash.set(hash, [held, index]);
    else held.push(index);
  }
}
