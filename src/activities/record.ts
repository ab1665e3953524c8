import { batchPaths } from '../batch/paths';
import type { FileRef, UploadGroupResult } from '../batch/types';
import { readManifestEntries, readSummary } from '../manifest/manifest';
import { ResultsStore } from '../report/results';
import { writeReport, type ReportCounts } from '../report/report';
import type { ActivityDeps } from './deps';
import { withHeartbeat } from './heartbeat';

type GroupCounts = Omit<UploadGroupResult, 'requeue' | 'accountExhausted'>;

/** Input of {@link createRecordFailures}. */
export interface RecordFailuresInput {
  batchId: string;
  accountId?: string;
  files: FileRef[];
  error: { type: string; message: string };
  attempts: number;
}

/**
 * Marks files failed after their group ran out of retries, leaving alone any the group had
 * finished before it gave up; returns the group's outcome for the workflow's counters.
 */
export function createRecordFailures(deps: ActivityDeps) {
  return async function recordFailures(input: RecordFailuresInput): Promise<GroupCounts> {
    const paths = batchPaths(deps.stateDir, input.batchId);
    const summary = await readSummary(paths.manifest);
    if (!summary) return { uploaded: 0, failed: input.files.length, registered: 0, bytes: 0 };
    const store = new ResultsStore(paths.results, summary.pageSize);
    const indices = input.files.map((f) => f.index);
    const earlier = await store.read(indices);
    const entries = await readManifestEntries(paths.manifest, indices);
    const failed = entries
      .filter((e) => earlier.get(e.index)?.status !== 'uploaded')
      .map((e) => ({
        index: e.index,
        status: 'failed' as const,
        path: e.path,
        name: e.name,
        size: e.size,
        account: input.accountId,
        attempts: input.attempts,
        error: input.error,
      }));
    await store.append(failed);
    const done = [...earlier.values()].filter((r) => r.status === 'uploaded');
    return {
      uploaded: done.length,
      failed: failed.length,
      registered: done.filter((r) => r.registered).length,
      bytes: done.reduce((sum, r) => sum + r.size, 0),
    };
  };
}

/** Writes the batch's final report under the state folder. */
export function createFinishReport(deps: ActivityDeps) {
  return async function finishReport(input: {
    batchId: string;
    meta: Record<string, unknown>;
  }): Promise<{ path: string; counts: ReportCounts }> {
    return withHeartbeat(() => writeReport(deps.stateDir, input.batchId, input.meta));
  };
}
