import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import { parseDuration } from '../../config/duration';
import { defineCommand } from '../citty';
import { BATCH_NETWORK, BATCH_STATUS } from '../../temporal/search-attributes';
import type { batchWorkflow } from '../../workflows/batch';
import { openContext, type CliContext } from '../context';
import { CliError } from '../errors';
import { batchArgs, buildRequest } from '../request';
import { commonArgs } from './common';

const PREFIX = 'shelby-batch-schedule-';
/** The shortest interval between runs: each run plans and prices its sources first. */
const MIN_INTERVAL_MS = 60_000;
const nameArg = {
  name: { type: 'positional', description: 'Schedule name', required: true },
} as const;

function scheduleId(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(name)) {
    throw new CliError(`schedule name "${name}": use letters, digits, '_' and '-' (up to 64)`);
  }
  return PREFIX + name;
}

async function withContext<T>(
  config: string | undefined,
  work: (ctx: CliContext) => Promise<T>,
): Promise<T> {
  const ctx = await openContext({ config, autoStart: true });
  try {
    return await work(ctx);
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) {
      throw new CliError('no such schedule (see `shelby-batch schedule list`)');
    }
    if (error instanceof ScheduleAlreadyRunning) {
      throw new CliError('a schedule of that name exists: delete it first, or pick another --name');
    }
    throw error;
  } finally {
    await ctx.close();
  }
}

const create = defineCommand({
  meta: {
    name: 'create',
    description:
      'Upload the same paths on a schedule; each run is a batch. `{date}` in --prefix becomes the run date',
  },
  args: {
    ...commonArgs,
    name: { type: 'string', description: 'Schedule name', required: true },
    ...batchArgs,
    every: { type: 'string', description: 'Interval, e.g. 1d, 6h, 30m' },
    cron: { type: 'string', description: 'Cron expression, e.g. "0 2 * * *" (UTC)' },
  },
  async run({ args }) {
    if (!args.every === !args.cron) throw new CliError('give exactly one of --every or --cron');
    if (args.every) {
      let every: number;
      try {
        every = parseDuration(args.every);
      } catch (error) {
        throw new CliError(`--every: ${(error as Error).message}`);
      }
      if (every < MIN_INTERVAL_MS) {
        throw new CliError(`--every: ${args.every} is shorter than a minute; give at least 1m`);
      }
    }
    await withContext(args.config, async (ctx) => {
      const request = buildRequest(ctx.config, args, { batchId: '', expiry: 'relative' });
      const id = scheduleId(args.name);
      await createSchedule(args.cron, () =>
        ctx.client.schedule.create({
          scheduleId: id,
          spec: args.every
            ? { intervals: [{ every: args.every as '1d' }] }
            : { cronExpressions: [args.cron!] },
          action: {
            type: 'startWorkflow',
            workflowType: 'batchWorkflow',
            workflowId: `${id}-run`,
            taskQueue: ctx.config.temporal.taskQueue,
            args: [{ request }] as Parameters<typeof batchWorkflow>,
            typedSearchAttributes: [
              { key: BATCH_STATUS, value: 'queued' },
              { key: BATCH_NETWORK, value: request.network },
            ],
          },
          // A run still uploading when the next is due makes the next one wait for the one after.
          policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
          state: { note: `shelby-batch upload ${request.sources.join(' ')}` },
        }),
      );
      process.stdout.write(
        `schedule ${args.name} created; runs need a worker (\`shelby-batch start\`)\n`,
      );
    });
  },
});

const list = defineCommand({
  meta: { name: 'list', description: 'List schedules' },
  args: { ...commonArgs, json: { type: 'boolean', description: 'Print JSON', default: false } },
  async run({ args }) {
    await withContext(args.config, async (ctx) => {
      const rows = [];
      for await (const s of ctx.client.schedule.list()) {
        if (!s.scheduleId.startsWith(PREFIX)) continue;
        rows.push({
          name: s.scheduleId.slice(PREFIX.length),
          paused: s.state.paused,
          next: s.info.nextActionTimes[0]?.toISOString(),
          recent: s.info.recentActions.map((a) => a.action.workflow.workflowId),
        });
      }
      if (args.json) return void process.stdout.write(JSON.stringify(rows) + '\n');
      if (rows.length === 0) return void process.stdout.write('no schedules\n');
      for (const r of rows) {
        process.stdout.write(
          `${r.name}  ${r.paused ? 'paused' : 'active'}  next ${r.next ?? '-'}  recent runs: ${r.recent.join(', ') || '-'}\n`,
        );
      }
    });
  },
});

function handleCommand(verb: 'pause' | 'unpause' | 'trigger' | 'delete', description: string) {
  return defineCommand({
    meta: { name: verb, description },
    args: { ...commonArgs, ...nameArg },
    async run({ args }) {
      await withContext(args.config, async (ctx) => {
        const handle = ctx.client.schedule.getHandle(scheduleId(args.name));
        if (verb === 'pause') await handle.pause('paused from the CLI');
        else if (verb === 'unpause') await handle.unpause('unpaused from the CLI');
        else if (verb === 'trigger') await handle.trigger();
        else await handle.delete();
        process.stdout.write(`schedule ${args.name}: ${verb} done\n`);
      });
    },
  });
}

export default defineCommand({
  meta: { name: 'schedule', description: 'Recurring uploads, as Temporal Schedules' },
  subCommands: {
    create,
    list,
    pause: handleCommand('pause', 'Pause a schedule'),
    unpause: handleCommand('unpause', 'Unpause a schedule'),
    trigger: handleCommand('trigger', 'Start a run now'),
    delete: handleCommand('delete', 'Delete a schedule (runs already started go on)'),
  },
});

/** gRPC's INVALID_ARGUMENT: the server refused the schedule's spec. */
const INVALID_ARGUMENT = 3;

/** Creates a schedule, turning a refused cron expression into a usage error. */
async function createSchedule<T>(cron: string | undefined, create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (error) {
    const code =
      (error as { code?: number }).code ?? (error as { cause?: { code?: number } }).cause?.code;
    // The client parses cron expressions itself (a TypeError); the server checks the rest.
    if (cron !== undefined && (error instanceof TypeError || code === INVALID_ARGUMENT)) {
      const reason = (error as Error).message.replace(/^\d+ INVALID_ARGUMENT: /, '');
      throw new CliError(`--cron "${cron}": ${reason}`);
    }
    throw error;
  }
}
