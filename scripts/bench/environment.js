/**
 * The benchmark's private world: a temporary folder with a fresh state folder and a copy of the
 * sample config, the project's localnet and a Temporal dev server, both on free loopback ports
 * (never the product's defaults). Nothing here talks to any other host, and every process it
 * starts is stopped by its own pid.
 */
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { parse, stringify } = require('yaml');

const { snapshotProduct } = require('./snapshot');

const ROOT = path.resolve(__dirname, '..', '..');
const SAMPLE_CONFIG = path.join(ROOT, 'config', 'accounts.yaml');
/** The product's default ports; other runs on this machine may own them. */
const RESERVED_PORTS = new Set([7233, 8233, 9470]);
/** Generous localnet funding, so no path of the benchmark ever waits for money. */
const FUNDING = { apt: 1_000_000_000_000, shelbyusd: 1_000_000_000_000 };

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

/** The environment every child gets: this run's state folder and config, no inherited overrides. */
function childEnvironment(home, configPath, temporalAddress) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(TEMPORAL_.*|SHELBY_BATCH_.*)$/.test(key)) delete env[key];
  }
  return {
    ...env,
    SHELBY_BATCH_HOME: home,
    SHELBY_BATCH_CONFIG: configPath,
    TEMPORAL_ADDRESS: temporalAddress,
  };
}

async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Creates the run folder, a private copy of the built product (see snapshot.js) and a config,
 * starts the localnet and the dev server from that copy, and returns how to reach them. Call
 * `stop()` when done (also on errors).
 * @param {{ parallel?: number }} [options] `parallel` overrides `max_parallel_uploads`
 */
async function startEnvironment(options = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shelby-batch-bench-'));
  const app = snapshotProduct(dir);
  const { startDevServer, stopDevServer } = require(
    path.join(app.dist, 'temporal', 'dev-server.js'),
  );
  const home = path.join(dir, 'state');
  fs.mkdirSync(home, { recursive: true });
  const localnetPort = await freePort();

  const config = parse(fs.readFileSync(SAMPLE_CONFIG, 'utf8'));
  config.network.localnet.port = localnetPort;
  config.temporal.namespace = 'default';
  config.temporal.taskQueue = 'shelby-batch-bench';
  for (const account of config.accounts) account.balance = { ...FUNDING };
  if (options.parallel !== undefined) config.global_limits.max_parallel_uploads = options.parallel;
  const configPath = path.join(dir, 'accounts.yaml');

  const stops = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => undefined);
    stops.length = 0;
  };
  try {
    // Temporal first: its start-up is the slow one, and the config needs its address.
    let server;
    for (let attempt = 0; attempt < 3 && !server; attempt++) {
      const [port, uiPort] = [await freePort(), await freePort()];
      try {
        server = await startDevServer({
          stateDir: home,
          address: `127.0.0.1:${port}`,
          uiPort,
          namespace: 'default',
          detached: false,
        });
      } catch (error) {
        if (attempt === 2) throw error;
      }
    }
    stops.push(() => stopDevServer(home));
    config.temporal.address = server.address;
    fs.writeFileSync(configPath, stringify(config));
    const env = childEnvironment(home, configPath, server.address);

    const logFile = path.join(dir, 'localnet.log');
    const out = fs.openSync(logFile, 'a');
    const localnet = spawn(process.execPath, [app.cli, 'localnet', 'run'], {
      env,
      cwd: dir,
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    let exited = false;
    const gone = new Promise((resolve) =>
      localnet.once('exit', () => {
        exited = true;
        resolve();
      }),
    );
    stops.push(async () => {
      if (exited) return;
      localnet.kill('SIGTERM');
      const timer = setTimeout(() => localnet.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    });
    const localnetUrl = `http://127.0.0.1:${localnetPort}`;
    await waitFor(
      async () => {
        if (exited) throw new Error(`the localnet exited at start-up; see ${logFile}`);
        const response = await fetch(`${localnetUrl}/localnet/health`).catch(() => undefined);
        return response?.ok === true;
      },
      30_000,
      'the localnet',
    );
    // `localnet run` funds the accounts right after it listens; wait for the last one.
    const last = config.accounts[config.accounts.length - 1].address;
    await waitFor(
      async () => {
        const response = await fetch(
          `${localnetUrl}/v1/accounts/${last}/balance/0x1::aptos_coin::AptosCoin`,
        ).catch(() => undefined);
        return response?.ok === true && Number(await response.text()) > 0;
      },
      30_000,
      'funding of the demo accounts',
    );

    return {
      dir,
      home,
      configPath,
      config,
      env,
      /** The product's copy every measured process runs from. */
      app,
      cli: app.cli,
      localnetUrl,
      localnetPid: localnet.pid,
      temporalAddress: server.address,
      temporalPid: server.pid,
      stop,
      /** Deletes the run folder (state, blobs stored by the localnet, logs). */
      remove: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await stop();
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

module.exports = { startEnvironment, freePort, ROOT };
