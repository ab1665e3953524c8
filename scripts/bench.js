#!/usr/bin/env node
/**
 * Upload benchmark (`npm run bench`): in one run on this machine, uploads the same real files
 * through the Shelby SDK alone (sequentially, and with `batchUpload`), through shelby-batch's
 * pipeline in-process, and through shelby-batch end to end with Temporal; prints files/s, MB/s,
 * wall time and peak RSS with the ratios and targets of issue 5, and writes them with the exact
 * command into BENCHMARKS.md.
 *
 *   npm run bench -- [--only small,large,huge] [--repeat N] [--paths a,b] [--no-build]
 *                    [--write|--no-write] [--profile DIR] [--keep] [--sample N] [--commitments]
 *                    [--parallel N] [--from FILE]
 *
 * Everything runs on loopback: a localnet and a Temporal dev server of its own on free ports
 * (never 7233, 8233 or 9470), in a fresh temporary state folder deleted at the end (`--keep`
 * keeps it). The data sets are built once in the temporary folder (see bench/datasets.js).
 * `--sample N` uploads only the first N files of each set, to try the script quickly; such
 * figures do not compare with the full sets and are never written to BENCHMARKS.md. Only a full
 * run (no --only, --paths, --sample or --parallel) writes BENCHMARKS.md by default (`--write`
 * forces it, `--no-write` prevents it); it also runs scripts/bench-commitments.js when that
 * exists and quotes its table (`--commitments` runs it in a partial run too). `--profile DIR`
 * writes V8 CPU profiles of the shelby-batch processes (every thread) under DIR. `--parallel N`
 * sets the config's `max_parallel_uploads` for shelby-batch (default: the sample config's).
 * Every run keeps its raw measurements in a JSON file in the temporary folder; `--from FILE`
 * prints (and with a full run's file, writes) them again without measuring anything.
 */
'use strict';

const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const BENCHMARKS = path.join(ROOT, 'BENCHMARKS.md');
const COMMITMENTS_BENCH = path.join(__dirname, 'bench-commitments.js');
const SDK_PATHS = path.join(__dirname, 'bench', 'sdk-paths.js');
const IN_PROCESS = path.join(__dirname, 'bench', 'in-process.js');
/** Blobs per `batchUpload` call, as a user would chunk a folder. */
const BATCH_SIZE = 100;
/** The demo account the SDK paths pay with. */
const SDK_ACCOUNT = 'alice';
/** No single measurement may take longer than this. */
const TIMEOUT_MS = 60 * 60 * 1000;

const USAGE =
  'usage: npm run bench -- [--only small,large,huge] [--repeat N] ' +
  '[--paths sdk-sequential,sdk-batch,in-process,temporal] [--no-build] [--write|--no-write] ' +
  '[--profile DIR] [--keep] [--sample N] [--commitments] [--parallel N] [--from FILE]';

function parseArgs(argv) {
  const { DATASET_NAMES } = require('./bench/datasets');
  const { PATHS } = require('./bench/report');
  const options = {
    only: [...DATASET_NAMES],
    repeat: 1,
    paths: PATHS.map((p) => p.id),
    build: true,
    write: undefined,
    keep: false,
    profile: undefined,
    sample: undefined,
    commitments: false,
    parallel: undefined,
    from: undefined,
  };
  const list = (value, allowed, flag) => {
    const items = String(value ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = items.filter((s) => !allowed.includes(s));
    if (items.length === 0 || unknown.length > 0) {
      throw new Error(`${flag}: expected one or more of ${allowed.join(', ')}\n${USAGE}`);
    }
    return items;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--only') options.only = list(argv[++i], DATASET_NAMES, '--only');
    else if (arg === '--paths')
      options.paths = list(
        argv[++i],
        PATHS.map((p) => p.id),
        '--paths',
      );
    else if (arg === '--repeat') {
      options.repeat = Number(argv[++i]);
      if (!Number.isInteger(options.repeat) || options.repeat < 1) {
        throw new Error(`--repeat: expected a whole number ≥ 1\n${USAGE}`);
      }
    } else if (arg === '--no-build') options.build = false;
    else if (arg === '--no-write') options.write = false;
    else if (arg === '--write') options.write = true;
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--commitments') options.commitments = true;
    else if (arg === '--from') options.from = path.resolve(argv[++i] ?? '');
    else if (arg === '--parallel') {
      options.parallel = Number(argv[++i]);
      if (!Number.isInteger(options.parallel) || options.parallel < 1) {
        throw new Error(`--parallel: expected a whole number ≥ 1\n${USAGE}`);
      }
    } else if (arg === '--sample') {
      options.sample = Number(argv[++i]);
      if (!Number.isInteger(options.sample) || options.sample < 1) {
        throw new Error(`--sample: expected a whole number ≥ 1\n${USAGE}`);
      }
    } else if (arg === '--profile') options.profile = path.resolve(argv[++i] ?? 'bench-profiles');
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return options;
}

function log(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function gitCommit() {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT })
      .toString()
      .trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT })
      .toString()
      .trim();
    return dirty ? `${commit} (with uncommitted changes in src/)` : commit;
  } catch {
    return 'unknown';
  }
}

/** The last line of `text` that parses as a JSON object. */
function lastJson(text) {
  for (const line of text.trim().split('\n').reverse()) {
    try {
      const value = JSON.parse(line);
      if (value && typeof value === 'object') return value;
    } catch {
      // Not JSON: progress or log output.
    }
  }
  return undefined;
}

/** Runs one path over one data set in a fresh process and returns the measurement. */
async function runPath(pathId, dataset, repeat, env, context) {
  const { measure } = require('./bench/measure');
  const prefix = `bench-${context.stamp}/${dataset.name}/${pathId}/r${repeat}/`;
  const specFile = path.join(env.dir, `spec-${dataset.name}-${pathId}-${repeat}.json`);
  const common = {
    env: env.env,
    cwd: env.dir,
    timeoutMs: TIMEOUT_MS,
    usageFile: path.join(env.dir, `usage-${dataset.name}-${pathId}-${repeat}.json`),
    services: { localnet: env.localnetPid, temporal: env.temporalPid },
  };
  const profileArgs = (name) => {
    if (!context.profile) return [];
    const dir = path.join(context.profile, `${dataset.name}-${name}-r${repeat}`);
    fs.mkdirSync(dir, { recursive: true });
    return ['--cpu-prof', '--cpu-prof-dir', dir];
  };
  let args;
  let nodeArgs = [];
  if (pathId === 'sdk-sequential' || pathId === 'sdk-batch') {
    fs.writeFileSync(
      specFile,
      JSON.stringify({
        mode: pathId === 'sdk-sequential' ? 'sequential' : 'batch',
        dir: dataset.dir,
        files: dataset.files.map((f) => f.rel),
        prefix,
        localnetUrl: env.localnetUrl,
        configPath: env.configPath,
        accountId: SDK_ACCOUNT,
        batchSize: BATCH_SIZE,
      }),
    );
    args = [SDK_PATHS, specFile];
  } else if (pathId === 'in-process') {
    fs.writeFileSync(
      specFile,
      JSON.stringify({
        distDir: env.app.dist,
        configPath: env.configPath,
        localnetUrl: env.localnetUrl,
        sources: [dataset.dir],
        prefix,
        batchId: `bench-${context.stamp}-${dataset.name}-r${repeat}`,
      }),
    );
    args = [IN_PROCESS, specFile];
    nodeArgs = profileArgs('in-process');
  } else {
    args = [env.cli, 'upload', dataset.dir, '--prefix', prefix, '--json'];
    nodeArgs = profileArgs('temporal');
  }

  // Blob bytes the localnet wrote for the previous path go to disk now, not during this one.
  spawnSync('sync');
  const m = await measure(args, { ...common, nodeArgs, onProgress: (line) => log(`  ${line}`) });
  const out = lastJson(m.stdout);
  const files = dataset.files.length;
  let ok;
  let uploaded;
  let error;
  if (pathId === 'temporal') {
    uploaded = out?.uploaded ?? 0;
    ok = m.code === 0 && out?.status === 'completed' && uploaded === files;
    if (!ok) {
      error = out
        ? `${out.status}: ${out.uploaded} uploaded, ${out.failed} failed of ${out.files} (exit ${m.code})`
        : `exit ${m.code ?? m.signal}: ${m.stderr.trim().split('\n').slice(-3).join(' ')}`;
    }
  } else {
    uploaded = out?.uploaded ?? 0;
    ok = m.code === 0 && out?.ok === true && uploaded === files;
    if (!ok) {
      error =
        out?.error ??
        `exit ${m.code ?? m.signal}: ${m.stderr.trim().split('\n').slice(-3).join(' ')}`;
    }
  }
  return {
    dataset: dataset.name,
    path: pathId,
    repeat,
    ok,
    files,
    uploaded,
    bytes: dataset.bytes,
    wallSeconds: m.wallSeconds,
    peakRssMiB: m.peakRssMiB,
    cpuSeconds: m.cpuSeconds,
    serviceCpuSeconds: m.serviceCpuSeconds,
    error,
    detail: out,
  };
}

/**
 * One tiny batch through the CLI before anything is measured: the dev server's first workflow,
 * task queue and search-attribute caches, and the commitments response table (derived once per
 * state folder), are one-time costs that no path should carry alone.
 */
async function warmUp(env) {
  log('warm-up: one file through `shelby-batch upload` (not measured) …');
  const dir = path.join(env.dir, 'warm-up');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'hello.txt'), 'warm-up\n');
  const result = spawnSync(
    process.execPath,
    [env.cli, 'upload', dir, '--prefix', 'bench-warm-up/', '--json'],
    { env: env.env, cwd: env.dir, encoding: 'utf8', timeout: 300_000 },
  );
  if (result.status !== 0) {
    throw new Error(
      `the warm-up upload failed (exit ${result.status ?? result.signal}): ` +
        `${(result.stderr || result.stdout).trim().split('\n').slice(-5).join('\n')}`,
    );
  }
}

/** B's commitments micro-benchmark, when it exists; its output is quoted in BENCHMARKS.md. */
function runCommitmentsBench() {
  if (!fs.existsSync(COMMITMENTS_BENCH)) return undefined;
  log('commitments micro-benchmark (scripts/bench-commitments.js) …');
  const result = spawnSync(process.execPath, [COMMITMENTS_BENCH], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    timeout: TIMEOUT_MS,
  });
  const output = `${result.stdout ?? ''}${result.status === 0 ? '' : `\n(exit ${result.status ?? result.signal}) ${result.stderr ?? ''}`}`;
  return { output, command: 'node scripts/bench-commitments.js' };
}

async function main() {
  const argv = process.argv.slice(2);
  const options = parseArgs(argv);
  const { prepareDatasets } = require('./bench/datasets');
  if (options.from) {
    present(JSON.parse(fs.readFileSync(options.from, 'utf8')), options.write);
    return;
  }

  if (options.build) {
    log('npm run build …');
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0)
      throw new Error('npm run build failed: fix the build, or pass --no-build');
  }
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first');
  }

  log(`data sets: ${options.only.join(', ')} (built once under ${os.tmpdir()}) …`);
  const datasets = prepareDatasets(options.only, options.sample);
  const { startEnvironment } = require('./bench/environment');
  log('starting a localnet and a Temporal dev server on free loopback ports …');
  const env = await startEnvironment({ parallel: options.parallel });
  log(`localnet ${env.localnetUrl}, Temporal ${env.temporalAddress}, state ${env.home}`);
  const stopOnSignal = () => {
    log('interrupted: stopping the localnet and the dev server');
    env
      .stop()
      .then(() => (options.keep ? undefined : env.remove()))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  const context = {
    stamp: new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-'),
    profile: options.profile,
  };
  const meta = {
    command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
    date: new Date().toISOString().slice(0, 10),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`,
    node: process.versions.node,
    commit: gitCommit(),
    parallel: env.config.global_limits.max_parallel_uploads,
    repeats: options.repeat,
    loadAverage: os.loadavg()[0].toFixed(1),
  };
  const runs = [];
  try {
    await warmUp(env);
    for (const dataset of datasets) {
      for (let repeat = 1; repeat <= options.repeat; repeat++) {
        for (const pathId of options.paths) {
          log(`${dataset.name} · ${pathId} · run ${repeat}/${options.repeat} …`);
          const run = await runPath(pathId, dataset, repeat, env, context);
          runs.push(run);
          log(
            `  ${run.ok ? 'ok' : 'FAILED'}: ${run.uploaded}/${run.files} files in ` +
              `${run.wallSeconds.toFixed(1)} s, peak RSS ${run.peakRssMiB?.toFixed(0) ?? '?'} MiB` +
              (run.error ? ` — ${run.error}` : ''),
          );
        }
      }
    }
  } finally {
    await env.stop();
    if (options.keep) log(`kept ${env.dir}`);
    else env.remove();
  }
  // The complete benchmark, with the shipped settings: the only figures BENCHMARKS.md keeps
  // unless --write is given.
  const fullRun = !argv.some((a) => ['--only', '--paths', '--sample', '--parallel'].includes(a));
  // It takes minutes and does not depend on the data sets: full runs only, or on request.
  const commitments = fullRun || options.commitments ? runCommitmentsBench() : undefined;

  const raw = {
    meta,
    fullRun,
    sample: options.sample,
    datasets: datasets.map((d) => ({
      name: d.name,
      title: d.title,
      fileCount: d.files.length,
      bytes: d.bytes,
    })),
    runs,
    commitments,
  };
  const rawFile = path.join(os.tmpdir(), `shelby-batch-bench-${context.stamp}.json`);
  fs.writeFileSync(rawFile, JSON.stringify(raw, null, 2));
  present(raw, options.write);
  log(`raw measurements: ${rawFile} (\`npm run bench -- --from ${rawFile}\` shows them again)`);
}

/**
 * Prints the table and the targets of a run's raw measurements and, for a full run (or when
 * `write` is true), writes them into BENCHMARKS.md.
 */
function present(raw, write) {
  const report = require('./bench/report');
  const rows = report.summarise(raw.runs);
  const targets = report.evaluateTargets(rows);
  process.stdout.write(`\n${report.formatTable(rows, raw.datasets)}\n\n`);
  for (const t of targets) process.stdout.write(`${t.status.padEnd(7)} ${t.text}\n`);
  if (raw.commitments) process.stdout.write(`\n${raw.commitments.output.trim()}\n`);

  if (raw.sample !== undefined) {
    log('--sample: figures not written to BENCHMARKS.md');
  } else if (!(write ?? raw.fullRun)) {
    log('partial run: figures not written to BENCHMARKS.md (pass --write to write them)');
  } else {
    report.writeSection(
      BENCHMARKS,
      'Uploads: shelby-batch against the Shelby SDK alone',
      report.uploadsSection({ rows, targets, datasets: raw.datasets, meta: raw.meta }),
      'Planning',
    );
    if (raw.commitments) {
      report.writeSection(
        BENCHMARKS,
        'Commitments micro-benchmark',
        report.commitmentsSection(raw.commitments.output, raw.commitments.command),
        'Planning',
      );
    }
    log(`results written to ${path.relative(process.cwd(), BENCHMARKS) || BENCHMARKS}`);
  }
}

main().catch((error) => {
  process.stderr.write(`${error.message ?? error}\n`);
  process.exit(1);
});
