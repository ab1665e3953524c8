import * as fs from 'node:fs';
import { ApplicationFailure } from '@temporalio/activity';
import { withHeartbeat } from './heartbeat';
import type { BatchRequest } from '../batch/types';
import { batchPaths } from '../batch/paths';
import { planBatch } from '../planning/plan';
import { readSummary, type ManifestSummary } from '../manifest/manifest';
import { planRetry } from '../planning/retry';
import type { ActivityDeps } from './deps';

/**
 * Walks the sources and writes the batch's manifest under the state folder. A manifest already
 * complete from an earlier attempt is reused, so the file indexes never change under a batch.
 */
export function createPlan(deps: ActivityDeps) {
  return async function plan(request: BatchRequest): Promise<ManifestSummary> {
    const paths = batchPaths(deps.stateDir, request.batchId);
    const existing = await readSummary(paths.manifest);
    if (existing) return existing;
    await fs.promises.rm(paths.manifest, { recursive: true, force: true });
    await fs.promises.rm(paths.results, { recursive: true, force: true });
    try {
      return await withHeartbeat(() =>
        request.retryOf
          ? planRetry(deps.stateDir, request.retryOf, paths.manifest, {
              followSymlinks: request.followSymlinks,
            })
          : planBatch({
              sources: request.sources,
              prefix: request.prefix,
              manifestDir: paths.manifest,
              followSymlinks: request.followSymlinks,
            }),
      );
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'SourceNotFound' || name === 'ConfigError' || name === 'InvalidPrefix') {
        throw ApplicationFailure.nonRetryable((error as Error).message, name);
      }
      throw error;
    }
  };
}
