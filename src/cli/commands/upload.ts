import * as fs from 'node:fs';
import * as path from 'node:path';
import { defineCommand } from '../citty';
import { STRATEGIES, type StrategyName } from '../../accounts/select';
import type { BatchRequest } from '../../batch/types';
import { batchPaths } from '../../batch/paths';
import { resolveExpiry } from '../../config/duration';
import { validatePrefix } from '../../planning/names';
import { createBatchId, printSummary, startBatch, watchBatch } from '../batches';
import { openContext, readConfig, shelbyEndpoints } from '../context';
import { estimateBatch, formatEstimate } from '../estimate';
import { CliError, EXIT } from '../errors';
import { runWorkerUntil } from '../run-worker';
import { commonArgs } from './common';

export default defineCommand({
  meta: {
    name: 'upload',
    description: 'Upload files and folders as Shelby blobs, as one durable batch',
  },
  args: {
    ...commonArgs,
    paths: { type: 'positional', description: 'Files or folders to upload', required: true },
    prefix: {
      type: 'string',
      description: 'Prepended to every blob name (default: config upload.prefix)',
    },
    strategy: { type: 'string', description: `Account strategy: ${STRATEGIES.join(', ')}` },
    accounts: {
      type: 'string',
      description: 'Comma-separated account ids to pay with (default: all)',
    },
    'expires-in': { type: 'string', description: 'Expiry: a duration (30d, 12h) or an ISO date' },
    'follow-symlinks': {
      type: 'boolean',
      description: 'Follow symbolic links inside the tree',
      default: false,
    },
    start: {
      type: 'boolean',
      description: 'Run a worker here until the batch ends (--no-start only queues it)',
      default: true,
    },
    json: {
      type: 'boolean',
      description: 'Print the final summary as one JSON object',
      default: false,
    },
  },
  async run({ args }) {
    const sources = (args._ as string[]).map((p) => path.resolve(p));
    for (const source of sources) {
      if (!fs.existsSync(source)) throw new CliError(`${source}: no such file or folder`);
    }
    const config = readConfig(args.config);
    const strategy = (args.strategy ?? config.upload.strategy) as StrategyName;
    if (!STRATEGIES.includes(strategy)) {
      throw new CliError(`unknown strategy "${strategy}": use one of ${STRATEGIES.join(', ')}`);
    }
    const prefix = args.prefix ?? config.upload.prefix;
    const prefixCheck = validatePrefix(prefix);
    if (!prefixCheck.ok) throw new CliError(`--prefix "${prefix}": ${prefixCheck.reason}`);
    let accounts = config.accounts;
    if (args.accounts) {
      const wanted = args.accounts
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean);
      const unknown = wanted.filter((id) => !accounts.some((a) => a.id === id));
      if (unknown.length > 0) {
        throw new CliError(`unknown account id(s): ${unknown.join(', ')} (config: ${config.path})`);
      }
      accounts = accounts.filter((a) => wanted.includes(a.id));
    }
    let expiryMs: number;
    try {
      expiryMs = resolveExpiry(args['expires-in'] ?? config.upload.expiresIn, Date.now());
    } catch (error) {
      throw new CliError(`--expires-in: ${(error as Error).message}`);
    }

    if (args['dry-run']) {
      const endpoints = await shelbyEndpoints(config, true);
      const estimate = await estimateBatch(config, endpoints, {
        sources,
        prefix,
        strategy,
        accountIds: accounts.map((a) => a.id),
        followSymlinks: args['follow-symlinks'],
      });
      process.stdout.write(
        (args.json ? JSON.stringify(estimate) : formatEstimate(estimate)) + '\n',
      );
      return;
    }

    const ctx = await openContext({ config: args.config, autoStart: true });
    try {
      const batchId = createBatchId();
      if (!args.force) {
        const estimate = await estimateBatch(config, ctx.endpoints, {
          sources,
          prefix,
          strategy,
          accountIds: accounts.map((a) => a.id),
          followSymlinks: args['follow-symlinks'],
          batchId,
          // The batch's own manifest: its planning step finds it and does not walk again.
          manifestDir: batchPaths(config.stateDir, batchId).manifest,
        });
        if (!estimate.payable) {
          throw new CliError(
            `the accounts cannot pay for this batch (${estimate.total.storage} ShelbyUSD and ${estimate.total.gas} octas needed): fund them, see \`upload --dry-run\`, or pass --force`,
            EXIT.NOT_FINISHED,
          );
        }
      }
      const request: BatchRequest = {
        batchId,
        sources,
        prefix,
        strategy,
        accounts: accounts.map((a) => ({ id: a.id, weight: a.weight })),
        network: config.network.name,
        expirationMicros: expiryMs * 1000,
        maxParallel: config.global_limits.max_parallel_uploads,
        maxRetries: config.global_limits.max_retries,
        followSymlinks: args['follow-symlinks'],
        groupsPerRun: Number(process.env.SHELBY_BATCH_GROUPS_PER_RUN) || undefined,
      };
      const handle = await startBatch(ctx, request);
      if (!args.json) {
        process.stderr.write(`batch ${request.batchId} started`);
        process.stderr.write(
          ctx.uiUrl
            ? ` — Web UI: ${ctx.uiUrl}/namespaces/${ctx.settings.namespace}/workflows/${request.batchId}\n`
            : '\n',
        );
      }
      if (!args.start) {
        const line = `batch ${request.batchId} queued; run \`shelby-batch start\` to work on it`;
        process.stdout.write(
          (args.json ? JSON.stringify({ batchId: request.batchId, status: 'queued' }) : line) +
            '\n',
        );
        return;
      }
      const summary = await runWorkerUntil(ctx, () =>
        watchBatch(ctx, handle, { quiet: args.json }),
      );
      printSummary(summary, args.json);
      if (summary.failed > 0) process.exitCode = EXIT.FILES_FAILED;
    } finally {
      await ctx.close();
    }
  },
});
