import { defineCommand } from '../citty';
import { openContext } from '../context';
import { runWorkerUntil } from '../run-worker';
import { commonArgs } from './common';

export default defineCommand({
  meta: {
    name: 'start',
    description: 'Run a worker: it works on every queued or unfinished batch until stopped',
  },
  args: { ...commonArgs },
  async run({ args }) {
    const ctx = await openContext({ config: args.config, autoStart: true });
    try {
      process.stderr.write(
        `worker polling ${ctx.settings.address} (namespace ${ctx.settings.namespace}, task queue ${ctx.config.temporal.taskQueue}); Ctrl-C stops it\n`,
      );
      if (ctx.uiUrl) process.stderr.write(`Web UI: ${ctx.uiUrl}\n`);
      await runWorkerUntil(ctx, () => new Promise<never>(() => undefined)).catch(
        (error: { interrupted?: boolean }) => {
          if (!error.interrupted) throw error;
        },
      );
    } finally {
      await ctx.close();
    }
  },
});
