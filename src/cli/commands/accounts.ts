import { defineCommand } from '../citty';
import { readBalances } from '../../shelby/balances';
import { retryRead } from '../../shelby/read-retry';
import { createShelbyClient } from '../../shelby/client';
import { queryProgress } from '../batches';
import { openContext } from '../context';
import { commonArgs } from './common';

const PAGE = 1000;

export default defineCommand({
  meta: {
    name: 'accounts',
    description: 'Each account: address, balances, weight, files in flight and blobs it paid for',
  },
  args: { ...commonArgs, json: { type: 'boolean', description: 'Print JSON', default: false } },
  async run({ args }) {
    const ctx = await openContext({ config: args.config, autoStart: true, requireKeys: false });
    try {
      const shelby = await createShelbyClient(ctx.endpoints);
      const inFlight = new Map<string, number>();
      const running = `WorkflowType = 'batchWorkflow' AND ExecutionStatus = 'Running'`;
      for await (const run of ctx.client.workflow.list({ query: running })) {
        const progress = await queryProgress(ctx, run.workflowId, 2000);
        for (const [id, n] of Object.entries(progress?.inFlightByAccount ?? {})) {
          inFlight.set(id, (inFlight.get(id) ?? 0) + n);
        }
      }
      const rows = [];
      for (const account of ctx.config.accounts) {
        const balances = await retryRead(() => readBalances(shelby, account.address));
        let blobs = 0;
        for (let offset = 0; ; offset += PAGE) {
          const page = await shelby.coordination.getAccountBlobs({
            account: account.address,
            pagination: { limit: PAGE, offset },
          });
          blobs += page.length;
          if (page.length < PAGE) break;
        }
        rows.push({
          id: account.id,
          name: account.name,
          address: account.address,
          weight: account.weight,
          apt: balances.apt,
          shelbyusd: balances.shelbyusd,
          inFlight: inFlight.get(account.id) ?? 0,
          blobs,
        });
      }
      if (args.json) return void process.stdout.write(JSON.stringify(rows) + '\n');
      process.stdout.write(
        'id          weight  APT (octas)        ShelbyUSD          in flight  blobs  address\n',
      );
      for (const r of rows) {
        process.stdout.write(
          `${r.id.padEnd(11)} ${String(r.weight).padStart(6)}  ${r.apt.padEnd(18)} ${r.shelbyusd.padEnd(18)} ${String(r.inFlight).padStart(9)}  ${String(r.blobs).padStart(5)}  ${r.address}\n`,
        );
      }
    } finally {
      await ctx.close();
    }
  },
});
