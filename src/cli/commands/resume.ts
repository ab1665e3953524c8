import { defineCommand } from '../citty';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { BatchSummary } from '../../batch/types';
import { resumeSignal } from '../../workflows/messages';
import {
  createBatchId,
  printSummary,
  readRequest,
  startBatch,
  watchBatch,
  type BatchHandle,
} from '../batches';
import { openContext, type CliContext } from '../context';
import { CliError, EXIT } from '../errors';
import { runWorkerUntil } from '../run-worker';
import { commonArgs } from './common';

/** Batches that have not ended, newest first. */
async function unfinishedBatches(ctx: CliContext): Promise<string[]> {
  const ids: string[] = [];
  const query = `WorkflowType = 'batchWorkflow' AND ExecutionStatus = 'Running'`;
  for await (const run of ctx.client.workflow.list({ query })) ids.push(run.workflowId);
  return ids;
}

/** For an ended batch with failures, a new batch of just those files. */
async function retryFailures(
  ctx: CliContext,
  batchId: string,
  summary: BatchSummary,
): Promise<BatchHandle | undefined> {
  if (summary.failed === 0) {
    process.stdout.write(`batch ${batchId} already completed with no failed file\n`);
    return undefined;
  }
  const request = readRequest(ctx.config.stateDir, batchId);
  if (!request)
    throw new CliError(`batch ${batchId} has no saved request under ${ctx.config.stateDir}`);
  const retry = { ...request, batchId: createBatchId(), retryOf: batchId, sources: [] };
  process.stderr.write(
    `batch ${batchId} ended with ${summary.failed} failed file(s); retrying them as ${retry.batchId}\n`,
  );
  return startBatch(ctx, retry);
}

export default defineCommand({
  meta: {
    name: 'resume',
    description:
      'Finish unfinished batches with a worker here; for an ended batch with failures, retry just those files',
  },
  args: {
    ...commonArgs,
    batchId: {
      type: 'positional',
      description: 'A batch id (default: every unfinished batch)',
      required: false,
    },
    json: { type: 'boolean', description: 'Print summaries as JSON lines', default: false },
  },
  async run({ args }) {
    const ctx = await openContext({ config: args.config, autoStart: true });
    try {
      const handles: BatchHandle[] = [];
      const ids = args.batchId ? [args.batchId] : await unfinishedBatches(ctx);
      for (const id of ids) {
        const handle: BatchHandle = ctx.client.workflow.getHandle(id);
        let status;
        try {
          status = (await handle.describe()).status.name;
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) throw new CliError(`no batch ${id}`);
          throw error;
        }
        if (status === 'RUNNING') {
          await handle.signal(resumeSignal);
          handles.push(handle);
        } else if (status === 'COMPLETED') {
          const retry = await retryFailures(ctx, id, await handle.result());
          if (retry) handles.push(retry);
        } else {
          throw new CliError(
            `batch ${id} ended ${status.toLowerCase()}; start a new upload instead`,
          );
        }
      }
      if (handles.length === 0) {
        if (!args.batchId) process.stdout.write('no unfinished batch\n');
        return;
      }
      const summaries = await runWorkerUntil(ctx, () =>
        Promise.all(
          handles.map((h) => watchBatch(ctx, h, { quiet: args.json || handles.length > 1 })),
        ),
      );
      for (const summary of summaries) printSummary(summary, args.json);
      if (summaries.some((s) => s.failed > 0)) process.exitCode = EXIT.FILES_FAILED;
    } finally {
      await ctx.close();
    }
  },
});
