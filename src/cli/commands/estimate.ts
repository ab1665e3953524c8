import * as path from 'node:path';
import { defineCommand } from '../citty';
import { STRATEGIES, type StrategyName } from '../../accounts/select';
import { readConfig, shelbyEndpoints } from '../context';
import { CliError } from '../errors';
import { estimateBatch, formatEstimate } from '../estimate';
import { commonArgs } from './common';

export default defineCommand({
  meta: {
    name: 'estimate',
    description:
      'Plan files and price them per account against balances, paying nothing (same as upload --dry-run)',
  },
  args: {
    ...commonArgs,
    paths: { type: 'positional', description: 'Files or folders', required: true },
    prefix: { type: 'string', description: 'Blob name prefix (default: config upload.prefix)' },
    strategy: { type: 'string', description: `Account strategy: ${STRATEGIES.join(', ')}` },
    'follow-symlinks': { type: 'boolean', description: 'Follow symbolic links', default: false },
    json: { type: 'boolean', description: 'Print JSON', default: false },
  },
  async run({ args }) {
    const config = readConfig(args.config);
    const strategy = (args.strategy ?? config.upload.strategy) as StrategyName;
    if (!STRATEGIES.includes(strategy)) {
      throw new CliError(`unknown strategy "${strategy}": use one of ${STRATEGIES.join(', ')}`);
    }
    const estimate = await estimateBatch(config, await shelbyEndpoints(config, true), {
      sources: (args._ as string[]).map((p) => path.resolve(p)),
      prefix: args.prefix ?? config.upload.prefix,
      strategy,
      accountIds: config.accounts.map((a) => a.id),
      followSymlinks: args['follow-symlinks'],
    });
    process.stdout.write((args.json ? JSON.stringify(estimate) : formatEstimate(estimate)) + '\n');
  },
});
