import type { FileRef } from '../batch/types';
import { batchPaths } from '../batch/paths';
import { readManifestPage } from '../manifest/manifest';
import type { ActivityDeps } from './deps';

/** One manifest page as the workflow needs it: the uploadable files' indexes and sizes. */
export function createReadPage(deps: ActivityDeps) {
  return async function readPage(input: { batchId: string; page: number }): Promise<FileRef[]> {
    const paths = batchPaths(deps.stateDir, input.batchId);
    const entries = await readManifestPage(paths.manifest, input.page);
    return entries.filter((e) => !e.skip).map((e) => ({ index: e.index, size: e.size }));
  };
}
