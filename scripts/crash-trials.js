#!/usr/bin/env node
/**
 * Crash trials: uploads a mixed batch again and again while killing workers with SIGKILL at
 * random moments, restarting the Temporal dev server or the localnet mid-batch, and injecting
 * localnet faults; after each trial it checks, from the localnet's ledger, the batch report and
 * `shelby-batch verify`, that every file was uploaded exactly once and paid once.
 *
 *   npm run build && node scripts/crash-trials.js [--trials 20] [--seed N] [--write-table]
 *
 * Options (defaults in brackets):
 *   --trials N              SIGKILL trials: 1–3 kills each [20]
 *   --server-restarts N     trials that restart the dev server mid-batch [3]
 *   --localnet-restarts N   trials that restart the localnet mid-batch [3]
 *   --faults LIST           fault profiles, comma-separated, `all` or `none` [all]
 *                           (scripts/lib/fault-profiles.js)
 *   --fault-trials N        trials per fault profile [1]
 *   --seed N                seed of every random choice; printed, so a run can be repeated [random]
 *   --small-files N         small files in the batch [120]
 *   --large-files N         files of 2–6 MiB in the batch [3]
 *   --trial-timeout S       seconds a trial may take before it counts as failed [420]
 *   --write-table           write the results to RELIABILITY.md
 *   --keep                  keep the run folder (state, logs) even when every trial passes
 *
 * Everything runs in a temporary folder with its own dev server and localnet on free loopback
 * ports (never the product's defaults), one trial at a time. Exits 1 when a trial lost a file,
 * registered one twice, paid twice, left a failed transaction, or did not finish.
 */
'use strict';

const { randomInt } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const { FAULT_PROFILES } = require('./lib/fault-profiles');
const { createRandom } = require('./lib/random');
const { writeReliabilityTable, summarise } = require('./lib/reliability-table');
const { buildSourceTree } = require('./lib/source-tree');
const { groupProblems } = require('./lib/trial-checks');
const { createTrialEnvironment } = require('./lib/trial-env');
const { runTrial } = require('./lib/trial-runner');

const USAGE =
  'usage: node scripts/crash-trials.js [--trials N] [--server-restarts N] [--localnet-restarts N] ' +
  '[--faults all|none|name,...] [--fault-trials N] [--seed N] [--small-files N] [--large-files N] ' +
  '[--trial-timeout S] [--write-table] [--keep]';

function count(value, name) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${name} must be a whole number, got ${value}`);
  return n;
}

function readOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      trials: { type: 'string', default: '20' },
      'server-restarts': { type: 'string', default: '3' },
      'localnet-restarts': { type: 'string', default: '3' },
      faults: { type: 'string', default: 'all' },
      'fault-trials': { type: 'string', default: '1' },
      seed: { type: 'string' },
      'small-files': { type: 'string', default: '120' },
      'large-files': { type: 'string', default: '3' },
      'trial-timeout': { type: 'string', default: '420' },
      'write-table': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const names = Object.keys(FAULT_PROFILES);
  const faults =
    values.faults === 'all' ? names : values.faults === 'none' ? [] : values.faults.split(',');
  const unknown = faults.filter((f) => !names.includes(f));
  if (unknown.length > 0) {
    throw new Error(`unknown fault profile(s) ${unknown.join(', ')}: use ${names.join(', ')}`);
  }
  return {
    trials: count(values.trials, 'trials'),
    serverRestarts: count(values['server-restarts'], 'server-restarts'),
    localnetRestarts: count(values['localnet-restarts'], 'localnet-restarts'),
    faults,
    faultTrials: count(values['fault-trials'], 'fault-trials'),
    seed: values.seed === undefined ? randomInt(1, 2 ** 31 - 1) : count(values.seed, 'seed'),
    smallFiles: count(values['small-files'], 'small-files'),
    largeFiles: count(values['large-files'], 'large-files'),
    trialTimeoutMs: count(values['trial-timeout'], 'trial-timeout') * 1000,
    writeTable: values['write-table'],
    keep: values.keep,
  };
}

/** The command line that repeats this run (the npm script form, as RELIABILITY.md shows it). */
function reproduceCommand(options) {
  const args = [`--trials ${options.trials}`];
  if (options.serverRestarts !== 3) args.push(`--server-restarts ${options.serverRestarts}`);
  if (options.localnetRestarts !== 3) args.push(`--localnet-restarts ${options.localnetRestarts}`);
  const allFaults = Object.keys(FAULT_PROFILES);
  if (options.faults.join(',') !== allFaults.join(',')) {
    args.push(`--faults ${options.faults.length === 0 ? 'none' : options.faults.join(',')}`);
  }
  if (options.faultTrials !== 1) args.push(`--fault-trials ${options.faultTrials}`);
  if (options.smallFiles !== 120) args.push(`--small-files ${options.smallFiles}`);
  if (options.largeFiles !== 3) args.push(`--large-files ${options.largeFiles}`);
  args.push(`--seed ${options.seed}`);
  return `npm run crash-trials -- ${args.join(' ')}`;
}

/** The trials of this run, in order: kills, then restarts, then faults. */
function schedule(options) {
  const plan = [];
  for (let i = 0; i < options.trials; i++) plan.push({ kind: 'kill' });
  for (let i = 0; i < options.serverRestarts; i++) plan.push({ kind: 'server' });
  for (let i = 0; i < options.localnetRestarts; i++) plan.push({ kind: 'localnet' });
  for (const name of options.faults) {
    for (let i = 0; i < options.faultTrials; i++) {
      plan.push({ kind: 'fault', profile: { name, ...FAULT_PROFILES[name] } });
    }
  }
  return plan;
}

function trialLine(result, files) {
  const c = result.checks;
  const ok = c.problems.length === 0;
  const label = result.profile ? `fault:${result.profile}` : result.kind;
  return (
    `#${String(result.index).padStart(2, '0')} ${label.padEnd(24)} ${ok ? 'ok  ' : 'FAIL'} ` +
    `${String(files - c.lost).padStart(3)}/${files} uploaded, lost ${c.lost}, duplicates ${c.duplicates}, ` +
    `double payments ${c.doublePayments}, failed tx ${c.failedTransactions}, ` +
    `verify ${c.verified ? 'ok' : 'FAILED'}, ${result.workers} worker(s), ` +
    `${result.seconds.toFixed(1)}s  [${result.events.join('; ') || 'no disruption'}]`
  );
}

async function main() {
  const options = readOptions(process.argv.slice(2));
  const random = createRandom(options.seed);
  const plan = schedule(options);
  console.log(
    `crash trials: seed ${options.seed}, ${plan.length} trial(s); repeat with: ${reproduceCommand(options)}`,
  );

  const env = await createTrialEnvironment({ parallel: 4, groupsPerRun: 4, maxRetries: 5 });
  const onSignal = () => {
    console.error(
      `\ninterrupted: stopping the workers and services of this run (folder ${env.dir})`,
    );
    env.stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const results = [];
  const started = Date.now();
  let tree;
  try {
    const source = path.join(env.dir, 'source');
    fs.mkdirSync(source);
    tree = buildSourceTree(source, random.fork(), {
      smallFiles: options.smallFiles,
      largeFiles: options.largeFiles,
    });
    console.log(
      `batch: ${tree.files.length} files to upload (${(tree.bytes / 1048576).toFixed(1)} MiB) and ` +
        `${tree.skipped.length} symbolic link to skip; dev server ${env.temporalAddress}, ` +
        `localnet ${env.localnetUrl}; run folder ${env.dir}`,
    );
    await env.startServices();

    for (let i = 0; i < plan.length; i++) {
      const result = await runTrial({
        env,
        source,
        tree,
        ...plan[i],
        random: random.fork(),
        index: i + 1,
        timeoutMs: options.trialTimeoutMs,
      });
      // Other work on the machine slows trials down; the page says how busy it was.
      result.load = os.loadavg()[0];
      results.push(result);
      console.log(trialLine(result, tree.files.length));
      const problems = groupProblems(result.checks.problems, result.prefix);
      for (const problem of problems.slice(0, 12)) console.log(`      ${problem}`);
      if (problems.length > 12) console.log(`      … and ${problems.length - 12} more`);
      for (const note of groupProblems(result.checks.notes, result.prefix)) {
        console.log(`      note: ${note}`);
      }
    }
  } finally {
    await env.stopAll();
  }

  const wallSeconds = (Date.now() - started) / 1000;
  const rows = summarise(results, tree?.files.length ?? 0);
  console.log(
    '\nscenario                                      trials  lost  dup  double  failed-tx  time',
  );
  for (const row of rows) {
    console.log(
      `${row.scenario.slice(0, 45).padEnd(45)} ${String(row.trials).padStart(6)}  ${String(row.lost).padStart(4)} ` +
        `${String(row.duplicates).padStart(4)}  ${String(row.doublePayments).padStart(6)}  ` +
        `${String(row.failedTransactions).padStart(9)}  ${row.time}`,
    );
  }
  const failed = results.filter((r) => r.checks.problems.length > 0);
  console.log(
    `\n${results.length} trial(s) in ${(wallSeconds / 60).toFixed(1)} min, seed ${options.seed}: ` +
      (failed.length === 0
        ? 'no file lost, none duplicated, nothing paid twice'
        : `${failed.length} FAILED`),
  );

  if (options.writeTable) {
    const file = await writeReliabilityTable({
      rows,
      results,
      command: reproduceCommand(options),
      seed: options.seed,
      files: tree.files.length,
      shape: { smallFiles: options.smallFiles, largeFiles: options.largeFiles },
      bytes: tree.bytes,
      wallSeconds,
      cores: os.cpus().length,
    });
    console.log(`table written to ${path.relative(process.cwd(), file) || file}`);
  }

  if (failed.length === 0 && !options.keep) env.remove();
  else console.log(`run folder kept: ${env.dir} (state, worker logs in logs/)`);
  if (failed.length > 0) process.exitCode = 1;
}

main().catch((error) => {
  console.error(`crash trials: ${error.message}`);
  process.exitCode = 2;
});
