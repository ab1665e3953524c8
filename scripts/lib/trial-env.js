/**
 * The private world of one crash-trial run: a temporary folder with its own state folder and
 * config, a Temporal dev server and a localnet on free loopback ports, and helpers to run the
 * CLI, start and kill workers, and read the localnet's ledger. Nothing here talks to any other
 * host, and every process it starts is stopped by its own pid.
 */
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { parse, stringify } = require('yaml');

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'shelby-batch.js');
const SAMPLE_CONFIG = path.join(ROOT, 'config', 'accounts.yaml');
/** The product's default ports; other runs on this machine may own them. */
const RESERVED_PORTS = new Set([7233, 8233, 9470]);

/** Whether `port` can be bound on loopback right now. */
function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free loopback port chosen by the kernel, never one of the product's defaults. */
async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port: chosen } = server.address();
        server.close(() => resolve(chosen));
      });
    });
    if (!RESERVED_PORTS.has(port)) return port;
  }
}

/** A gRPC port whose Web UI port (+1000, as `temporal server start-dev` picks it) is free too. */
async function freeTemporalPort() {
  for (let tries = 0; tries < 200; tries++) {
    const port = await freePort();
    const ui = port + 1000;
    if (ui <= 65535 && !RESERVED_PORTS.has(ui) && (await portIsFree(ui))) return port;
  }
  throw new Error('no free pair of loopback ports for Temporal (gRPC and gRPC + 1000)');
}

/** The environment for the CLI: this run's state folder and config, no inherited overrides. */
function childEnvironment(home, configPath, extra) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(TEMPORAL_(ADDRESS|NAMESPACE|API_KEY|TLS.*)|SHELBY_BATCH_.*)$/.test(key)) delete env[key];
  }
  return { ...env, SHELBY_BATCH_HOME: home, SHELBY_BATCH_CONFIG: configPath, ...extra };
}

/**
 * Creates the run folder, its config and its environment; starts nothing yet.
 * @param {{ parallel: number, groupsPerRun: number, maxRetries: number }} options
 */
async function createTrialEnvironment(options) {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shelby-batch-crash-trials-'));
  const home = path.join(dir, 'state');
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const temporalPort = await freeTemporalPort();
  const localnetPort = await freePort();

  const config = parse(fs.readFileSync(SAMPLE_CONFIG, 'utf8'));
  config.network.localnet.port = localnetPort;
  config.temporal.address = `127.0.0.1:${temporalPort}`;
  config.temporal.namespace = 'default';
  config.temporal.taskQueue = 'crash-trials';
  config.global_limits.max_parallel_uploads = options.parallel;
  config.global_limits.max_retries = options.maxRetries;
  const configPath = path.join(dir, 'accounts.yaml');
  fs.writeFileSync(configPath, stringify(config));
  const env = childEnvironment(home, configPath, {
    SHELBY_BATCH_GROUPS_PER_RUN: String(options.groupsPerRun),
  });
  const localnetUrl = `http://127.0.0.1:${localnetPort}`;
  const workers = new Set();
  // Set once the run stops: a worker started after that would start the services again.
  let closing = false;

  /** Runs the CLI to completion; never throws on a non-zero exit. */
  function cli(args, timeoutMs = 120_000) {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], { env, cwd: dir, stdio: 'pipe' });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => {
        stderr += `\n(killed after ${timeoutMs / 1000} s)`;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });
  }

  /** Runs the CLI and throws with its output when it fails. */
  async function cliOk(args, timeoutMs) {
    const result = await cli(args, timeoutMs);
    if (result.code !== 0) {
      throw new Error(
        `shelby-batch ${args.join(' ')} exited ${result.code ?? result.signal}: ${result.stderr.trim() || result.stdout.trim()}`,
      );
    }
    return result;
  }

  /** Starts `shelby-batch start` with its output appended to `logFile`. */
  function spawnWorker(logFile) {
    if (closing) throw new Error('the run is stopping; no new worker');
    const out = fs.openSync(logFile, 'a');
    const child = spawn(process.execPath, [CLI, 'start'], {
      env,
      cwd: dir,
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    const worker = {
      pid: child.pid,
      startedAt: Date.now(),
      exit: undefined,
      exited: new Promise((resolve) =>
        child.on('exit', (code, signal) => {
          worker.exit = { code, signal };
          workers.delete(worker);
          resolve(worker.exit);
        }),
      ),
      /** Signals this worker only (by its pid) and waits until it is gone. */
      async stop(signal, graceMs = 45_000) {
        if (worker.exit) return worker.exit;
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        try {
          return await worker.exited;
        } finally {
          clearTimeout(timer);
        }
      },
    };
    workers.add(worker);
    return worker;
  }

  async function request(method, route, body) {
    const response = await fetch(`${localnetUrl}${route}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
    return JSON.parse(text);
  }

  return {
    dir,
    home,
    logs,
    configPath,
    temporalAddress: config.temporal.address,
    localnetUrl,
    accounts: config.accounts.map((a) => ({ id: a.id, address: a.address.toLowerCase() })),
    cli,
    cliOk,
    spawnWorker,
    /** GET an admin route of the localnet as JSON. */
    localnetGet: (route) => request('GET', route),
    /** POST JSON to an admin route of the localnet. */
    localnetPost: (route, body) => request('POST', route, body),
    /** Starts the dev server and the localnet in the background. */
    async startServices() {
      await cliOk(['server', 'start'], 120_000);
      await cliOk(['localnet', 'start'], 60_000);
    },
    /** Stops every worker still running, then the localnet and the dev server. */
    async stopAll() {
      closing = true;
      await Promise.all([...workers].map((w) => w.stop('SIGKILL')));
      await cli(['localnet', 'stop'], 60_000);
      await cli(['server', 'stop'], 60_000);
    },
    /** Deletes the run folder. */
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

module.exports = { createTrialEnvironment, freePort };
