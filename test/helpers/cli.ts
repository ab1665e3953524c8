import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';

/** The compiled CLI, as `npx shelby-batch` runs it. */
export const CLI = path.join(__dirname, '..', '..', 'bin', 'shelby-batch.js');
const SAMPLE_CONFIG = path.join(__dirname, '..', '..', 'config', 'accounts.yaml');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A throwaway user setup: its own state folder, config, localnet port and task queue. */
export interface Sandbox {
  dir: string;
  home: string;
  configPath: string;
  localnetUrl: string;
  env: NodeJS.ProcessEnv;
  run(args: string[], options?: { timeoutMs?: number }): Promise<CliRun>;
  spawn(args: string[]): ChildProcess;
  /** Stops the background localnet this sandbox started. */
  cleanup(): Promise<void>;
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Creates a sandbox that talks to the test run's Temporal server (TEMPORAL_ADDRESS) and its own
 * localnet; `configure` may edit the parsed sample config.
 */
export async function createSandbox(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the parsed YAML, edited freely by tests
  configure: (config: Record<string, any>) => void = () => undefined,
): Promise<Sandbox> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shelby-batch-test-'));
  const home = path.join(dir, 'state');
  const port = await freePort();
  const config = parse(fs.readFileSync(SAMPLE_CONFIG, 'utf8'));
  config.network.localnet.port = port;
  config.temporal.address = process.env.TEMPORAL_ADDRESS;
  config.temporal.taskQueue = `test-${path.basename(dir)}`;
  configure(config);
  const configPath = path.join(dir, 'accounts.yaml');
  fs.writeFileSync(configPath, stringify(config));
  const env = {
    ...process.env,
    SHELBY_BATCH_HOME: home,
    SHELBY_BATCH_CONFIG: configPath,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
  };
  const localnetUrl = `http://127.0.0.1:${port}`;
  const sandbox: Sandbox = {
    dir,
    home,
    configPath,
    localnetUrl,
    env,
    run: (args, options) => runCli(args, env, dir, options?.timeoutMs),
    spawn: (args) => spawn(process.execPath, [CLI, ...args], { env, cwd: dir, stdio: 'pipe' }),
    async cleanup() {
      await runCli(['localnet', 'stop'], env, dir);
    },
  };
  return sandbox;
}

/** Runs the CLI to completion. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  timeoutMs = 300_000,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, cwd, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`shelby-batch ${args.join(' ')} timed out\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** GET a localnet admin endpoint as JSON. */
export async function localnetGet<T>(sandbox: Sandbox, route: string): Promise<T> {
  const response = await fetch(`${sandbox.localnetUrl}${route}`);
  if (!response.ok) throw new Error(`${route}: ${response.status}`);
  return (await response.json()) as T;
}

/** Writes files into a folder: name → contents. */
export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [name, contents] of Object.entries(files)) {
    const file = path.join(root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, contents);
  }
}

/** Polls `predicate` until it holds, or fails naming `what`. */
export async function waitFor(
  predicate: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}
