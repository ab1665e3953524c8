import { defineCommand } from '../citty';
import { pauseSignal, resumeSignal } from '../../workflows/messages';
import { openContext } from '../context';
import { commonArgs } from './common';

const batchArg = {
  batchId: { type: 'positional', description: 'The batch id', required: true },
} as const;

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
      await ctx.client.workflow
        .getHandle(args.batchId)
        .signal(pauseSignal, { reason: 'paused by a user' });
      process.stdout.write(
        `batch ${args.batchId} paused; \`shelby-batch resume ${args.batchId}\` continues it\n`,
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
      await ctx.client.workflow.getHandle(args.batchId).signal(resumeSignal);
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
      await ctx.client.workflow.getHandle(args.batchId).cancel();
      process.stdout.write(`batch ${args.batchId} cancellation requested\n`);
    } finally {
      await ctx.close();
    }
  },
});
