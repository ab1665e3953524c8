import pLimit from 'p-limit';
import { defineCommand } from '../citty';
import { WorkflowNotFoundError } from '@temporalio/client';
import { BATCH_FILES_DONE, BATCH_STATUS } from '../../temporal/search-attributes';
import { countOutcomes } from '../../report/report';
import { queryProgress } from '../batches';
import type { CliContext } from '../context';
import { openContext } from '../context';
import { CliError } from '../errors';
import { commonArgs } from './common';

export default defineCommand({
  meta: { name: 'status', description: 'Show every batch, or one batch in detail' },
  args: {
    ...commonArgs,
    batchId: {
      type: 'positional',
      description: 'A batch id (default: list all batches)',
      required: false,
    },
    json: { type: 'boolean', description: 'Print JSON', default: false },
    limit: { type: 'string', description: 'How many batches to list', default: '50' },
  },
  async run({ args }) {
    const ctx = await openContext({ config: args.config, autoStart: false });
    try {
      if (!args.batchId) {
        const limit = Number(args.limit);
        if (!Number.isSafeInteger(limit) || limit < 1) {
          throw new CliError(`--limit must be a whole number of at least 1, got "${args.limit}"`);
        }
        const rows = await listBatches(ctx, limit);
        if (args.json) return void process.stdout.write(JSON.stringify(rows) + '\n');
        if (rows.length === 0) return void process.stdout.write('no batches yet\n');
        for (const r of rows) {
          const done = r.files === undefined ? `${r.filesDone}` : `${r.filesDone}/${r.files}`;
          process.stdout.write(
            `${r.batchId}  ${r.execution.padEnd(10)}  ${String(r.status).padEnd(10)}  ${done} files done  started ${r.started}\n`,
          );
        }
        return;
      }
      const handle = ctx.client.workflow.getHandle(args.batchId);
      let description;
      try {
        description = await handle.describe();
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw new CliError(`no batch ${args.batchId}`);
        throw error;
      }
      const execution = description.status.name;
      const status: Record<string, unknown> = { batchId: args.batchId, execution };
      if (execution === 'RUNNING') {
        const progress = await queryProgress(ctx, args.batchId);
        if (progress) Object.assign(status, progress, { source: 'worker' });
        else {
          Object.assign(status, await countOutcomes(ctx.config.stateDir, args.batchId), {
            phase: description.typedSearchAttributes.get(BATCH_STATUS),
            source: 'state folder (no worker is running: start one with `shelby-batch start`)',
          });
        }
      } else if (execution === 'COMPLETED') {
        Object.assign(status, await handle.result());
      } else {
        Object.assign(status, await countOutcomes(ctx.config.stateDir, args.batchId));
      }
      if (args.json) return void process.stdout.write(JSON.stringify(status) + '\n');
      for (const [key, value] of Object.entries(status)) {
        process.stdout.write(
          `${key.padEnd(20)} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}\n`,
        );
      }
    } finally {
      await ctx.close();
    }
  },
});

/** One row of the batch list. */
interface BatchRow {
  batchId: string;
  execution: string;
  status: string;
  /** Files uploaded or left out by policy: live from a worker when one answers. */
  filesDone: number;
  /** Files in the batch, when a worker answered or the state folder has them. */
  files?: number;
  /** When the batch's current run started. */
  started: string;
}

/** Time a listed running batch is given to answer with its live progress. */
const LIST_QUERY_MS = 1500;

/**
 * The newest batches, one row each (runs a batch continued into are not listed apart). A running
 * batch's counts come from its worker when it answers, else from the last status it published.
 */
async function listBatches(ctx: CliContext, limit: number): Promise<BatchRow[]> {
  const rows: BatchRow[] = [];
  for await (const run of ctx.client.workflow.list({
    query: `WorkflowType = 'batchWorkflow' AND ExecutionStatus != 'ContinuedAsNew'`,
  })) {
    rows.push({
      batchId: run.workflowId,
      execution: run.status.name,
      status: String(run.typedSearchAttributes.get(BATCH_STATUS) ?? ''),
      filesDone: run.typedSearchAttributes.get(BATCH_FILES_DONE) ?? 0,
      started: run.startTime.toISOString(),
    });
    if (rows.length >= limit) break;
  }
  // A batch that ended early (cancelled, terminated) published no final count: its state folder
  // has the outcomes.
  for (const row of rows) {
    if (row.execution === 'RUNNING' || row.execution === 'COMPLETED') continue;
    const counts = await countOutcomes(ctx.config.stateDir, row.batchId);
    if (counts.files === 0) continue;
    row.filesDone = counts.uploaded + counts.skipped;
    row.files = counts.files;
  }
  const queries = pLimit(8);
  await Promise.all(
    rows
      .filter((row) => row.execution === 'RUNNING')
      .map((row) =>
        queries(async () => {
          const progress = await queryProgress(ctx, row.batchId, LIST_QUERY_MS);
          if (!progress) return;
          row.filesDone = progress.uploaded + progress.skipped;
          row.files = progress.files;
          row.status = progress.paused ? 'paused' : progress.phase;
        }),
      ),
  );
  return rows;
}
