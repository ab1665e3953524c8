import { defineCommand } from '../citty';
import { readConfig, shelbyEndpoints } from '../context';
import { estimateBatch, formatEstimate } from '../estimate';
import { EXIT } from '../errors';
import { batchArgs, buildRequest } from '../request';
import { commonArgs } from './common';

export default defineCommand({
  meta: {
    name: 'estimate',
    description:
      'Plan files and price them per account against balances, paying nothing (same as upload --dry-run)',
  },
  args: {
    ...commonArgs,
    ...batchArgs,
    json: { type: 'boolean', description: 'Print JSON', default: false },
  },
  async run({ args }) {
    const config = readConfig(args.config);
    const request = buildRequest(config, args, { batchId: 'estimate', expiry: 'absolute' });
    const estimate = await estimateBatch(config, await shelbyEndpoints(config, true), {
      sources: request.sources,
      prefix: request.prefix,
      strategy: request.strategy,
      accountIds: request.accounts.map((a) => a.id),
      followSymlinks: request.followSymlinks,
    });
    process.stdout.write((args.json ? JSON.stringify(estimate) : formatEstimate(estimate)) + '\n');
    // As `upload` would refuse it: scripts can tell from the code alone.
    if (!estimate.payable) process.exitCode = EXIT.NOT_FINISHED;
  },
});
