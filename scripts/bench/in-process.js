/**
 * shelby-batch's pipeline without Temporal: the very activities a worker runs (`createActivities`
 * from dist/, with dependencies built as src/worker/worker.ts builds them), each call inside a
 * `MockActivityEnvironment`, driven by a loop that does what the batch workflow does: plan, read
 * pages, cut groups with `takeGroup`, pick the paying account with `selectAccount`, keep a
 * sliding window of groups in flight under the same rule as the workflow, retry a failed group,
 * and finish with the report. Run in a fresh process per measurement so its peak RSS is its own.
 *
 *   node scripts/bench/in-process.js <spec.json>
 *
 * spec: { distDir, configPath, localnetUrl, sources: [dir], prefix, batchId }: `distDir` is the
 * compiled product to run (the benchmark's private copy of dist/). The state folder is
 * $SHELBY_BATCH_HOME. Prints one JSON line: the outcome, the seconds spent and the peak RSS.
 *
 * What is left out is exactly what Temporal adds: task dispatch, histories and payloads, and the
 * account lease, which here is an in-memory first-come-first-served lock per account (a
 * Temporal-shaped stand-in for `client.workflow.start`), since this one process is the only
 * sender.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

/** The workflow's retry policy for upload groups (src/workflows/batch.ts). */
const RETRY = { initialMs: 2000, coefficient: 2, maximumMs: 60_000 };

async function main() {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const started = process.hrtime.bigint();
  const dist = (rel) => require(path.join(spec.distDir, rel));
  const { MockActivityEnvironment } = require('@temporalio/testing');
  const { ApplicationFailure } = require('@temporalio/common');
  const { DefaultLogger } = require('@temporalio/worker');
  const { loadConfig } = dist('config/load.js');
  const { KeyStore } = dist('config/keys.js');
  const { createActivities } = dist('activities/index.js');
  const { createCommitmentsEngine } = dist('commitments/engine.js');
  const { createShelbyClient } = dist('shelby/client.js');
  const { networkPricing } = dist('shelby/pricing.js');
  const { AccountLoad } = dist('accounts/load.js');
  const { groupFileLimit, takeGroup } = dist('batch/grouping.js');
  const { selectAccount, INITIAL_STRATEGY_STATE } = dist('accounts/select.js');
  const { NON_RETRYABLE_ERRORS } = dist('batch/types.js');

  // Dependencies, as createBatchWorker builds them.
  const config = loadConfig({ path: spec.configPath });
  const endpoints = { name: 'local', localnetUrl: spec.localnetUrl };
  let shelby;
  let engine;
  let pricing;
  const load = new AccountLoad(config.stateDir);
  const activities = createActivities({
    stateDir: config.stateDir,
    keys: KeyStore.fromConfig(config),
    shelby: () => (shelby ??= createShelbyClient(endpoints)),
    commitments: () =>
      (engine ??= createCommitmentsEngine({ cacheDir: path.join(config.stateDir, 'cache') })),
    pricing: () => (pricing ??= networkPricing(endpoints, config.network.localnet.pricing)),
    load,
    client: inMemoryLeaseClient(),
    taskQueue: config.temporal.taskQueue,
  });
  const logger = new DefaultLogger('WARN');
  const setupSeconds = seconds(started);

  /** Runs one activity call as a worker would: its own context, attempt number and heartbeats. */
  const runActivity = async (fn, input, attempt = 1, heartbeatDetails = undefined) => {
    const env = new MockActivityEnvironment(
      { attempt, heartbeatDetails, activityType: fn.name, heartbeatTimeoutMs: 20_000 },
      { logger },
    );
    let lastBeat = heartbeatDetails;
    env.on('heartbeat', (details) => (lastBeat = details));
    try {
      return await env.run(fn, input);
    } catch (error) {
      error.lastHeartbeat = lastBeat;
      throw error;
    }
  };

  const workStarted = process.hrtime.bigint();
  const request = {
    batchId: spec.batchId,
    sources: spec.sources,
    prefix: spec.prefix,
    strategy: config.upload.strategy,
    accounts: config.accounts.map((a) => ({ id: a.id, weight: a.weight })),
    network: config.network.name,
    expirationMicros: (Date.now() + 30 * 24 * 3600 * 1000) * 1000,
    maxParallel: config.global_limits.max_parallel_uploads,
    maxRetries: config.global_limits.max_retries,
    followSymlinks: false,
  };

  let error;
  const counts = { uploaded: 0, failed: 0, registered: 0, bytes: 0, groups: 0 };
  let report;
  let peakGroupsInFlight = 0;
  try {
    const summary = await runActivity(activities.plan, request);

    // The workflow's loop: one page at a time, groups in a sliding window.
    let strategyState = INITIAL_STRATEGY_STATE;
    const groupFiles = groupFileLimit(summary.uploadable, request.accounts.length);
    const inFlight = new Set();
    const requeued = [];
    let wake;
    const settled = () => new Promise((resolve) => (wake = resolve));
    let page = 0;
    let buffer = [];
    for (;;) {
      if (buffer.length === 0 && requeued.length === 0) {
        if (page < summary.pages) {
          buffer = await runActivity(activities.readPage, {
            batchId: request.batchId,
            page: page++,
          });
          continue;
        }
        if (inFlight.size === 0) break;
        await settled();
        continue;
      }
      // Same admission rule as the workflow: launch while fewer than maxParallel groups fly.
      if (inFlight.size >= request.maxParallel) {
        await settled();
        continue;
      }
      const group = takeGroup(requeued.length > 0 ? requeued : buffer, groupFiles);
      const choice = selectAccount(
        request.strategy,
        request.accounts.map((a) => ({ ...a, inFlight: 0, available: true })),
        strategyState,
        `${request.batchId}:${group[0].index}`,
      );
      strategyState = choice.state;
      counts.groups++;
      const task = uploadWithRetries(group, choice.accountId).finally(() => {
        inFlight.delete(task);
        wake?.();
      });
      inFlight.add(task);
      peakGroupsInFlight = Math.max(peakGroupsInFlight, inFlight.size);
    }

    async function uploadWithRetries(group, accountId) {
      const input = {
        batchId: request.batchId,
        accountId,
        network: request.network,
        files: group,
        expirationMicros: request.expirationMicros,
      };
      let details;
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await runActivity(activities.uploadGroup, input, attempt, details);
          add(result);
          requeued.push(...result.requeue);
          return;
        } catch (caught) {
          details = caught.lastHeartbeat;
          const nonRetryable =
            (caught instanceof ApplicationFailure && caught.nonRetryable) ||
            NON_RETRYABLE_ERRORS.includes(caught.type);
          if (nonRetryable || attempt > request.maxRetries) {
            add(
              await runActivity(activities.recordFailures, {
                batchId: request.batchId,
                accountId,
                files: group,
                error: { type: caught.type ?? 'Error', message: caught.message },
                attempts: attempt,
              }),
            );
            return;
          }
          const delay = Math.min(
            RETRY.initialMs * RETRY.coefficient ** (attempt - 1),
            RETRY.maximumMs,
          );
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    }

    function add(result) {
      counts.uploaded += result.uploaded;
      counts.failed += result.failed;
      counts.registered += result.registered;
      counts.bytes += result.bytes;
    }

    report = await runActivity(activities.finishReport, {
      batchId: request.batchId,
      meta: { sources: request.sources, prefix: request.prefix, network: request.network },
    });
  } catch (caught) {
    error = caught.message ?? String(caught);
  }
  const workSeconds = seconds(workStarted);
  load.close();
  if (engine) await (await engine).close();
  const files = report?.counts.files ?? counts.uploaded + counts.failed;
  process.stdout.write(
    JSON.stringify({
      ok: error === undefined && report?.counts.failed === 0 && report?.counts.pending === 0,
      files,
      uploaded: report?.counts.uploaded ?? counts.uploaded,
      failed: report?.counts.failed ?? counts.failed,
      bytes: report?.counts.bytes ?? counts.bytes,
      groups: counts.groups,
      peakGroupsInFlight,
      setupSeconds,
      workSeconds,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      error:
        error ??
        (report && report.counts.failed + report.counts.pending > 0
          ? `${report.counts.failed} failed, ${report.counts.pending} pending (see ${report.path})`
          : undefined),
    }) + '\n',
  );
}

/**
 * Stands in for the Temporal client that `withAccountLock` uses: starting the lease "workflow"
 * of an account waits for the previous holder to signal `release`, first come first served.
 */
function inMemoryLeaseClient() {
  const tails = new Map();
  return {
    workflow: {
      async start(_type, options) {
        const previous = tails.get(options.workflowId) ?? Promise.resolve();
        let release;
        const mine = new Promise((resolve) => (release = resolve));
        tails.set(
          options.workflowId,
          previous.then(() => mine),
        );
        await previous;
        return { signal: async () => release() };
      },
    },
  };
}

function seconds(since) {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
