/**
 * One crash trial: queue the mixed batch under a fresh prefix, disrupt the workers and services
 * that carry it (SIGKILL of workers, a dev server or localnet restart, injected faults), let a
 * last worker finish it, then check the outcome (trial-checks.js).
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { Client, Connection } = require('@temporalio/client');

const { checkTrial, ledgerMark } = require('./trial-checks');

/** Ways to choose the moment of a disruption; see {@link waitForMoment}. */
const MOMENTS = ['time', 'registration', 'upload', 'result'];
/** Delays of the `time` moment: the batch alone takes about 15 s with a fresh worker. */
const DELAY_MS = [300, 10_000];
/** The longest a disruption waits for its moment before acting anyway. */
const MOMENT_CAP_MS = 45_000;
const POLL_MS = 100;

/** Reads a batch's state from outside: the report file and Temporal's view of the workflow. */
function batchWatch(env, batchId) {
  const batchDir = path.join(env.home, 'batches', batchId);
  let connection;
  return {
    /** The batch wrote its report (its last step). */
    reported: () => fs.existsSync(path.join(batchDir, 'report.json')),
    /** Bytes of per-file results written so far. */
    resultBytes() {
      const dir = path.join(batchDir, 'results');
      if (!fs.existsSync(dir)) return 0;
      return fs.readdirSync(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
    },
    /** The execution status of the batch's latest run, or undefined when Temporal does not answer. */
    async execution() {
      try {
        connection ??= await Connection.connect({
          address: env.temporalAddress,
          connectTimeout: 3_000,
        });
        const client = new Client({ connection });
        const description = await client.workflow.getHandle(batchId).describe();
        return description.status.name;
      } catch {
        const stale = connection;
        connection = undefined;
        await stale?.close().catch(() => undefined);
        return undefined;
      }
    },
    /** Ends the batch at once, so it cannot go on under a later trial's workers. */
    async terminate(reason) {
      try {
        connection ??= await Connection.connect({ address: env.temporalAddress });
        await new Client({ connection }).workflow.getHandle(batchId).terminate(reason);
      } catch {
        // Already closed, or Temporal is gone; nothing more can run it.
      }
    },
    close: () => connection?.close().catch(() => undefined),
  };
}

/** Names of this trial's blobs registered on the localnet but not yet written. */
async function unwrittenBlobs(env, prefix) {
  const { blobs } = await env.localnetGet('/localnet/blobs');
  return blobs.filter((b) => b.name.startsWith(prefix) && !b.isWritten).length;
}

/**
 * Waits for the moment to disrupt: `time` a drawn delay; `registration` a new transaction on the
 * ledger; `upload` a registered blob whose data is on its way; `result` a new per-file result on
 * disk; then a short drawn delay. Acts anyway after {@link MOMENT_CAP_MS}.
 * @returns {Promise<{ how: string, done: boolean }>} how the moment came, for the trial's line;
 * `done` when the batch reported before it came (nothing left to disrupt)
 */
async function waitForMoment(moment, { env, watch, prefix, random, startedAt, mark }) {
  const since = () => `${((Date.now() - startedAt) / 1000).toFixed(1)}s`;
  if (moment === 'time') {
    const delay = random.int(DELAY_MS[0], DELAY_MS[1]);
    const end = Date.now() + delay;
    while (Date.now() < end && !watch.reported()) await sleep(POLL_MS);
    return watch.reported()
      ? { how: `time ${delay}ms`, done: true }
      : { how: `time ${since()}`, done: false };
  }
  const after = random.int(0, moment === 'registration' ? 1500 : 400);
  const baseline =
    moment === 'registration'
      ? (await env.localnetGet('/localnet/transactions')).transactions.length
      : moment === 'result'
        ? watch.resultBytes()
        : 0;
  const end = Date.now() + MOMENT_CAP_MS;
  while (Date.now() < end) {
    if (watch.reported()) return { how: moment, done: true };
    let seen = false;
    try {
      if (moment === 'registration') {
        const { transactions } = await env.localnetGet('/localnet/transactions');
        seen = transactions.length > Math.max(baseline, mark.transactions);
      } else if (moment === 'upload') {
        seen = (await unwrittenBlobs(env, prefix)) > 0;
      } else {
        seen = watch.resultBytes() > baseline;
      }
    } catch {
      // The localnet may be restarting; look again.
    }
    if (seen) {
      await sleep(after);
      return { how: `${moment}+${after}ms ${since()}`, done: watch.reported() };
    }
    await sleep(POLL_MS);
  }
  return {
    how: `${moment} (not seen in ${MOMENT_CAP_MS / 1000}s) ${since()}`,
    done: watch.reported(),
  };
}

/**
 * Runs one trial to its checks.
 * @param {object} trial
 * @param {'kill'|'server'|'localnet'|'fault'} trial.kind
 * @param {{ name: string, rules: object[], kills?: [number, number] }} [trial.profile]
 */
async function runTrial({ env, source, tree, kind, profile, random, index, timeoutMs }) {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const prefix = `t${String(index).padStart(3, '0')}-${kind}${profile ? `-${profile.name}` : ''}/`;
  const logFile = path.join(env.logs, `${prefix.slice(0, -1)}.log`);
  const events = [];
  const result = { index, kind, profile: profile?.name, prefix, events, workers: 0 };

  const mark = await ledgerMark(env);
  const queued = await env.cliOk(['upload', source, '--prefix', prefix, '--no-start', '--json']);
  const batchId = JSON.parse(queued.stdout).batchId;
  result.batchId = batchId;
  const watch = batchWatch(env, batchId);
  const spawn = () => {
    result.workers++;
    return env.spawnWorker(logFile);
  };
  const context = { env, watch, prefix, random, mark };

  try {
    if (profile) {
      await env.localnetPost('/localnet/faults', { rules: profile.rules });
      events.push(`faults:${profile.name}`);
    }

    // Workers killed at drawn moments, 1–3 times (or as the fault profile says).
    const kills =
      kind === 'kill'
        ? random.int(1, 3)
        : profile?.kills
          ? random.int(profile.kills[0], profile.kills[1])
          : 0;
    for (let k = 0; k < kills && !watch.reported(); k++) {
      const worker = spawn();
      const moment = random.pick(MOMENTS);
      const { how, done } = await waitForMoment(moment, {
        ...context,
        startedAt: worker.startedAt,
      });
      if (done) {
        // Only kills that land before the batch's end count as kills.
        await worker.stop('SIGTERM');
        events.push(`no kill: the batch ended before its moment (${how})`);
        break;
      }
      const exit = await worker.stop('SIGKILL');
      events.push(
        exit.signal === 'SIGKILL' ? `kill@${how}` : `worker exited ${exit.code} before kill`,
      );
    }

    // The last worker; a service restart happens under it.
    let worker = spawn();
    if (kind === 'server' || kind === 'localnet') {
      const service = kind === 'server' ? 'server' : 'localnet';
      const moment = random.pick(MOMENTS);
      const { how, done } = await waitForMoment(moment, {
        ...context,
        startedAt: worker.startedAt,
      });
      const downMs = random.int(0, 3000);
      if (done) {
        events.push(`no ${service} restart: the batch ended before its moment (${how})`);
      } else {
        await env.cliOk([service, 'stop'], 60_000);
        await sleep(downMs);
        await env.cliOk([service, 'start'], 120_000);
        events.push(`${service}-restart@${how} down+${downMs}ms`);
      }
    }

    // Wait for the end; a worker that dies by itself is replaced, and said.
    while (!watch.reported()) {
      if (Date.now() > deadline) {
        result.timedOut = true;
        break;
      }
      if (worker.exit) {
        events.push(`worker exited by itself (${worker.exit.signal ?? worker.exit.code})`);
        worker = spawn();
      }
      await sleep(250);
    }
    let execution;
    while (!result.timedOut && execution !== 'COMPLETED' && Date.now() < deadline) {
      execution = await watch.execution();
      if (execution && execution !== 'RUNNING' && execution !== 'COMPLETED') break;
      if (execution !== 'COMPLETED') await sleep(250);
    }
    result.execution = execution;
    if (execution === 'COMPLETED') {
      await worker.stop('SIGTERM');
    } else {
      // Leave nothing running into the next trial: its ledger window must be its own.
      await worker.stop('SIGKILL');
      await watch.terminate('crash trial timed out');
    }
  } finally {
    await watch.close();
    if (profile) await env.localnetPost('/localnet/faults', { rules: [] }).catch(() => undefined);
  }

  result.seconds = (Date.now() - started) / 1000;
  result.checks = await checkTrial({ env, batchId, prefix, tree, mark });
  if (result.timedOut) {
    result.checks.problems.unshift(`the batch did not finish within ${timeoutMs / 1000} s`);
  } else if (result.execution !== 'COMPLETED') {
    result.checks.problems.unshift(`the batch ended ${result.execution ?? 'in an unknown state'}`);
  }
  return result;
}

module.exports = { runTrial, DELAY_MS, MOMENT_CAP_MS };
