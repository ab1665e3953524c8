import { defineCommand } from '../citty';
import { WorkflowNotFoundError } from '@temporalio/client';
import { BATCH_FILES_DONE, BATCH_STATUS } from '../../temporal/search-attributes';
import { countOutcomes } from '../../report/report';
import { queryProgress } from '../batches';
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
        const rows = [];
        for await (const run of ctx.client.workflow.list({
          query: `WorkflowType = 'batchWorkflow'`,
        })) {
          rows.push({
            batchId: run.workflowId,
            execution: run.status.name,
            status: run.typedSearchAttributes.get(BATCH_STATUS) ?? '',
            filesDone: run.typedSearchAttributes.get(BATCH_FILES_DONE) ?? 0,
            started: run.startTime.toISOString(),
          });
          if (rows.length >= Number(args.limit)) break;
        }
        if (args.json) return void process.stdout.write(JSON.stringify(rows) + '\n');
        if (rows.length === 0) return void process.stdout.write('no batches yet\n');
        for (const r of rows) {
          process.stdout.write(
            `${r.batchId}  ${r.execution.padEnd(10)}  ${String(r.status).padEnd(10)}  ${r.filesDone} files done  started ${r.started}\n`,
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
