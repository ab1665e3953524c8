import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import type { ManifestSummary } from '../manifest/manifest';
import { InvalidPrefix, SourceNotFound } from './errors';
import { toBlobName, validatePrefix } from './names';
import { walkOrReport, writePlan, type NamedItem, type WritePlanOptions } from './write-plan';

export { PROGRESS_EVERY } from './write-plan';

/** What to plan. */
export interface PlanBatchOptions extends WritePlanOptions {
  /** Files and folders to upload; a folder contributes its contents, not its own name. */
  sources: string[];
  /** Prepended to every blob name. */
  prefix: string;
  /** Follow symbolic links that stay inside their source (loops are detected); default false. */
  followSymlinks?: boolean;
  /** Folder that relative sources are resolved against; default `process.cwd()`. */
  cwd?: string;
}

/**
 * Walks the sources and writes the manifest of a batch: one entry per file found, uploadable or
 * skipped with a reason, in a stable order.
 *
 * A file source is named prefix + its base name; a folder source gives prefix + each file's path
 * inside it. Names are NFC-normalised and checked before anything is paid for; a name that two
 * files share is kept for the first and the second is skipped naming the first. Memory stays
 * flat with the tree's size (see {@link writePlan}).
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

  async function* named(): AsyncGenerator<NamedItem[]> {
    for (const source of sources) {
      const walk = walkOrReport(source.absolute, { followSymlinks: options.followSymlinks });
      for await (const items of walk) {
        yield items.map((item) => ({ item, name: toBlobName(options.prefix, item.relative) }));
      }
    }
  }
  return writePlan(named(), options);
}
