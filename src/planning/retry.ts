import * as fs from 'node:fs/promises';

import { skipIsFailure, type ManifestSummary } from '../manifest/manifest';
import { batchOutcomes } from '../report/report';
import { walkOrReport, writePlan, type NamedItem, type WritePlanOptions } from './write-plan';

/** Options for {@link planRetry}. */
export interface PlanRetryOptions extends Omit<WritePlanOptions, 'manifestDir'> {
  /** Follow symbolic links inside a folder walked again; default false. */
  followSymlinks?: boolean;
}

/**
 * Writes the manifest of a retry of an earlier batch: every file that batch did not store
 * (failed, never attempted, or refused at plan time for a reason that is a failure, such as a
 * permission), under the blob name it was to have. A folder that could not be listed then is
 * walked now, its files named under the folder's blob name. Each file is looked at afresh, so one
 * still unreadable, gone or badly named is reported again.
 */
export async function planRetry(
  stateDir: string,
  earlierBatch: string,
  manifestDir: string,
  options: PlanRetryOptions = {},
): Promise<ManifestSummary> {
  async function* named(): AsyncGenerator<NamedItem[]> {
    for await (const outcome of batchOutcomes(stateDir, earlierBatch)) {
      const retry =
        outcome.status === 'failed' ||
        outcome.status === 'pending' ||
        (outcome.status === 'skipped' && skipIsFailure(outcome.error?.type ?? ''));
      if (!retry) continue;
      const folder = await fs.stat(outcome.path).then(
        (stats) => stats.isDirectory(),
        () => false,
      );
      const walk = walkOrReport(outcome.path, { followSymlinks: options.followSymlinks });
      for await (const items of walk) {
        yield items.map((item) => ({
          item,
          name: folder ? `${outcome.name}/${item.relative}`.normalize('NFC') : outcome.name,
        }));
      }
    }
  }
  return writePlan(named(), { ...options, manifestDir });
}
