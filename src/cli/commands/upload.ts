import * as fs from 'node:fs';
import { defineCommand } from '../citty';
import { batchPaths } from '../../batch/paths';
import { createBatchId, printSummary, startBatch, watchBatch } from '../batches';
import { openContext, readConfig, shelbyEndpoints } from '../context';
import { estimateBatch, formatEstimate } from '../estimate';
import { CliError, EXIT } from '../errors';
import { runWorkerUntil } from '../run-worker';
import { commonArgs } from './common';
import { batchArgs, buildRequest } from '../request';

export default defineCommand({
  meta: {
    name: 'upload',
    description: 'Upload files and folders as Shelby blobs, as one durable batch',
  },
  args: {
    ...commonArgs,
    ...batchArgs,
    'dry-run': {
      type: 'boolean',
      description: 'Print the price per account and pay nothing',
      default: false,
    },
    force: {
      type: 'boolean',
      description: 'Start even if the accounts together cannot pay for the batch',
      default: false,
    },
    start: {
      type: 'boolean',
      description: 'Run a worker here until the batch ends; --no-start only queues the batch',
      default: true,
    },
    json: {
      type: 'boolean',
      description: 'Print the final summary as one JSON object',
      default: false,
    },
  },
  async run({ args }) {
    const config = readConfig(args.config);
    const request = buildRequest(config, args, { batchId: createBatchId(), expiry: 'absolute' });
    const estimateRequest = {
      sources: request.sources,
      prefix: request.prefix,
      strategy: request.strategy,
      accountIds: request.accounts.map((a) => a.id),
      followSymlinks: request.followSymlinks,
    };

    if (args['dry-run']) {
      const endpoints = await shelbyEndpoints(config, true);
      const estimate = await estimateBatch(config, endpoints, estimateRequest);
      process.stdout.write(
        (args.json ? JSON.stringify(estimate) : formatEstimate(estimate)) + '\n',
      );
      if (!estimate.payable) process.exitCode = EXIT.NOT_FINISHED;
      return;
    }

    const ctx = await openContext({ config: args.config, autoStart: true });
    // Until the workflow exists, the batch's folder (its manifest so far) belongs to nobody: a
    // refusal, an error or a Ctrl-C before the start removes it.
    const paths = batchPaths(config.stateDir, request.batchId);
    const discard = (): void => fs.rmSync(paths.dir, { recursive: true, force: true });
    const onSignal = (): void => {
      discard();
      process.stderr.write('\ninterrupted before the batch started; nothing was queued or paid\n');
      process.exit(EXIT.INTERRUPTED);
    };
    try {
      try {
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        if (!args.force) {
          const estimate = await estimateBatch(config, ctx.endpoints, {
            ...estimateRequest,
            batchId: request.batchId,
            // The batch's own manifest: its planning step finds it and does not walk again.
            manifestDir: paths.manifest,
          });
          if (!estimate.payable) {
            throw new CliError(
              `the accounts cannot pay for this batch (${estimate.total.storage} ShelbyUSD and ${estimate.total.gas} octas needed): fund them, see \`upload --dry-run\`, or pass --force`,
              EXIT.NOT_FINISHED,
            );
          }
        }
      } catch (error) {
        discard();
        throw error;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      // From here the folder is kept whatever happens: the start may reach Temporal even if its
      // answer does not reach us.
      const handle = await startBatch(ctx, request);
      if (!args.json && args.start) {
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
