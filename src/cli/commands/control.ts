import { defineCommand } from '../citty';
import { pauseSignal, resumeSignal } from '../../workflows/messages';
import { WorkflowNotFoundError } from '@temporalio/client';
import { openContext, type CliContext } from '../context';
import { CliError } from '../errors';
import { commonArgs } from './common';

const batchArg = {
  batchId: { type: 'positional', description: 'The batch id', required: true },
} as const;

/** The running batch's handle; a batch that is unknown or already ended is a one-line error. */
async function runningBatch(ctx: CliContext, batchId: string) {
  const handle = ctx.client.workflow.getHandle(batchId);
  let status: string;
  try {
    status = (await handle.describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new CliError(`no batch ${batchId}`);
    throw error;
  }
  if (status !== 'RUNNING') {
    throw new CliError(`batch ${batchId} has already ended (${status.toLowerCase()})`);
  }
  return handle;
}

/** `pause <batchId>`: stop handing out files; uploads in flight finish. */
export const pause = defineCommand({
  meta: {
    name: 'pause',
    description: 'Pause a batch: no new file starts; uploads in flight finish',
  },
  args: { ...commonArgs, ...batchArg },
  async run({ args }) {
    const ctx = await openContext({ config: args.config, autoStart: false });
    try {
      const handle = await runningBatch(ctx, args.batchId);
      await handle.signal(pauseSignal, { reason: 'paused by a user' });
      process.stdout.write(
        `batch ${args.batchId} paused; \`shelby-batch unpause ${args.batchId}\` lets it go on\n`,
      );
    } finally {
      await ctx.close();
    }
  },
});

/** `unpause <batchId>`: hand out files again without running a worker here. */
export const unpause = defineCommand({
  meta: { name: 'unpause', description: 'Let a paused batch go on (with whatever workers run)' },
  args: { ...commonArgs, ...batchArg },
  async run({ args }) {
    const ctx = await openContext({ config: args.config, autoStart: false });
    try {
      await (await runningBatch(ctx, args.batchId)).signal(resumeSignal);
      process.stdout.write(`batch ${args.batchId} unpaused\n`);
    } finally {
      await ctx.close();
    }
  },
});

/** `cancel <batchId>`: Temporal cancellation, the same as the Web UI's button. */
export const cancel = defineCommand({
  meta: { name: 'cancel', description: 'Cancel a batch (files already stored stay stored)' },
  args: { ...commonArgs, ...batchArg },
  async run({ args }) {
    const ctx = await openContext({ config: args.config, autoStart: false });
    try {
      await (await runningBatch(ctx, args.batchId)).cancel();
      process.stdout.write(`batch ${args.batchId} cancellation requested\n`);
    } finally {
      await ctx.close();
    }
  },
});
