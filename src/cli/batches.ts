import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError, WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { SingleBar } from 'cli-progress';
import type { BatchProgress, BatchRequest, BatchSummary } from '../batch/types';
import { batchPaths, newBatchId } from '../batch/paths';
import { BATCH_NETWORK, BATCH_STATUS } from '../temporal/search-attributes';
import type { batchWorkflow } from '../workflows/batch';
import { progressQuery } from '../workflows/messages';
import type { CliContext } from './context';
import { CliError, EXIT } from './errors';

export type BatchHandle = WorkflowHandle<typeof batchWorkflow>;

/** A new batch id. */
export function createBatchId(): string {
  return newBatchId(new Date(), randomBytes(2).toString('hex'));
}

/** Starts a batch workflow and records its request beside the manifest (for `resume`). */
export async function startBatch(ctx: CliContext, request: BatchRequest): Promise<BatchHandle> {
  const paths = batchPaths(ctx.config.stateDir, request.batchId);
  await fs.promises.mkdir(paths.dir, { recursive: true });
  await fs.promises.writeFile(`${paths.dir}/request.json`, JSON.stringify(request, null, 2));
  const what = request.retryOf ? `retry of ${request.retryOf}` : request.sources.join(', ');
  return ctx.client.workflow.start<typeof batchWorkflow>('batchWorkflow', {
    workflowId: request.batchId,
    taskQueue: ctx.config.temporal.taskQueue,
    args: [{ request }],
    typedSearchAttributes: [
      { key: BATCH_STATUS, value: 'queued' },
      { key: BATCH_NETWORK, value: request.network },
    ],
    staticSummary: `upload ${what}`.slice(0, 190),
    staticDetails: [
      `**Sources:** ${request.sources.join(', ') || '(retry)'}`,
      `**Prefix:** \`${request.prefix}\``,
      `**Strategy:** ${request.strategy}; **accounts:** ${request.accounts.map((a) => a.id).join(', ')}`,
      `**Network:** ${request.network}`,
    ].join('\n\n'),
  });
}

/** The request a batch was started with, as saved by {@link startBatch}. */
export function readRequest(stateDir: string, batchId: string): BatchRequest | undefined {
  const file = `${batchPaths(stateDir, batchId).dir}/request.json`;
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as BatchRequest;
}

/** Asks a running batch for its progress; undefined when no worker answers in time. */
export async function queryProgress(
  ctx: CliContext,
  batchId: string,
  timeoutMs = 3000,
): Promise<BatchProgress | undefined> {
  try {
    const handle = ctx.client.workflow.getHandle(batchId);
    return await ctx.client.connection.withDeadline(Date.now() + timeoutMs, () =>
      handle.query(progressQuery),
    );
  } catch {
    return undefined;
  }
}

/**
 * Waits for a batch to end, drawing a progress bar on a terminal. A batch that pauses because no
 * account can pay ends the wait with exit code 3 rather than hanging.
 */
export async function watchBatch(
  ctx: CliContext,
  handle: BatchHandle,
  options: { quiet: boolean },
): Promise<BatchSummary> {
  const tty = process.stderr.isTTY && !options.quiet;
  const bar = tty
    ? new SingleBar({
        format:
          ' {bar} {percentage}% | {value}/{total} files | {failed} failed | {mb} MB | {phase}',
        hideCursor: true,
        stream: process.stderr,
      })
    : undefined;
  let started = false;
  let finished = false;
  const result = handle
    .result()
    .catch((error: unknown) => {
      if (error instanceof WorkflowFailedError && error.cause instanceof CancelledFailure) {
        throw new CliError(
          `batch ${handle.workflowId} was cancelled; blobs already stored stay stored (see \`shelby-batch report ${handle.workflowId}\`)`,
          EXIT.NOT_FINISHED,
        );
      }
      throw error;
    })
    .finally(() => {
      finished = true;
    });
  const poll = (async () => {
    while (!finished) {
      const progress = await queryProgress(ctx, handle.workflowId, 2000);
      if (progress) {
        const done = progress.uploaded + progress.failed + progress.skipped;
        const payload = {
          failed: progress.failed,
          mb: (progress.bytesDone / 1e6).toFixed(1),
          phase: progress.paused ? `paused: ${progress.pauseReason ?? ''}` : progress.phase,
        };
        if (bar && !started) {
          bar.start(Math.max(progress.files, 1), done, payload);
          started = true;
        }
        bar?.setTotal(Math.max(progress.files, 1));
        bar?.update(done, payload);
        if (progress.paused && progress.unavailableAccounts.length > 0 && progress.inFlight === 0) {
          throw new CliError(
            `batch ${handle.workflowId} is paused: ${progress.pauseReason}`,
            EXIT.NOT_FINISHED,
          );
        }
      }
      await sleep(500);
    }
  })();
  try {
    return await Promise.race([result, poll.then(() => result)]);
  } finally {
    finished = true;
    bar?.stop();
  }
}

/** Prints a finished batch's summary: one JSON object, or a few readable lines. */
export function printSummary(summary: BatchSummary, json: boolean): void {
  if (json) {
    process.stdout.write(
      JSON.stringify({
        batchId: summary.batchId,
        status: summary.phase,
        files: summary.files,
        uploaded: summary.uploaded,
        skipped: summary.skipped,
        failed: summary.failed,
        registered: summary.registered,
        bytes: summary.bytesDone,
        report: summary.reportPath,
      }) + '\n',
    );
    return;
  }
  const lines = [
    `batch ${summary.batchId}: ${summary.phase}`,
    `  ${summary.uploaded} uploaded (${summary.registered} newly registered), ${summary.skipped} skipped, ${summary.failed} failed, of ${summary.files} files`,
    `  ${(summary.bytesDone / 1e6).toFixed(2)} MB in place on the network`,
    `  report: ${summary.reportPath}`,
  ];
  if (summary.failed > 0) {
    lines.push(`  retry the failed files with: shelby-batch resume ${summary.batchId}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}
