/**
 * The localnet as a background service: started on first use when the config's network is
 * `local`, kept running between CLI commands, and stopped by its recorded pid.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  runningPid,
  spawnDetached,
  stopRecordedProcess,
  tailFile,
  waitUntil,
  withLockFile,
} from '../temporal/background-process';
import { PROJECT_ROOT } from '../temporal/binary';
import type { LocalnetPricing } from './pricing';

/** An account the localnet credits when it first sees it. */
export interface LocalnetFunding {
  address: string;
  apt: number;
  shelbyusd: number;
}

/** How to find or start the localnet. */
export interface EnsureLocalnetOptions {
  /** The state folder; the localnet keeps its ledger and blobs in its `localnet/` folder. */
  stateDir: string;
  port: number;
  pricing?: Partial<LocalnetPricing>;
  /** Accounts to fund; each is funded only if the localnet has never seen it. */
  fund: LocalnetFunding[];
  /** How long to wait for the health endpoint; 30 s by default. */
  startTimeoutMs?: number;
}

/** What {@link localnetStatus} reports. */
export interface LocalnetStatus {
  /** A localnet started from this state folder is running. */
  running: boolean;
  pid?: number;
  url: string;
  /** Something answers `GET /localnet/health` on the port (ours or not). */
  healthy: boolean;
}

/** The localnet did not come up, or refused to fund an account. */
export class LocalnetStartFailedError extends Error {
  override readonly name = 'LocalnetStartFailed';

  constructor(
    message: string,
    readonly logPath: string,
  ) {
    super(message);
  }
}

/** The files a background localnet keeps under `<stateDir>/localnet/`. */
export function localnetPaths(stateDir: string) {
  const home = path.join(path.resolve(stateDir), 'localnet');
  return {
    home,
    log: path.join(home, 'daemon.log'),
    pid: path.join(home, 'daemon.pid'),
    lock: path.join(home, 'start.lock'),
  };
}

/** Recognises our daemon in `/proc/<pid>/cmdline`, so a recycled pid is never signalled. */
const PROCESS_MARKER = 'daemon-entry';

/**
 * Reuses the localnet answering on `port`, or starts one in the background from this state
 * folder; then funds the given accounts (first sight only, so restarts do not top them up).
 * @throws {@link LocalnetStartFailedError}
 */
export async function ensureLocalnet(
  options: EnsureLocalnetOptions,
): Promise<{ url: string; started: boolean }> {
  const url = localnetUrl(options.port);
  const paths = localnetPaths(options.stateDir);
  const timeoutMs = options.startTimeoutMs ?? 30_000;

  let started = false;
  if (!(await isHealthy(url))) {
    started = await withLockFile(paths.lock, timeoutMs, async () => {
      // Another command may have started it while we waited for the lock.
      if (await isHealthy(url)) return false;
      await startDaemon(options, paths, url, timeoutMs);
      return true;
    });
  }

  for (const account of options.fund) {
    await fund(url, account, paths.log);
  }
  return { url, started };
}

/**
 * Stops the localnet started from this state folder (SIGTERM by recorded pid, then waits). Its
 * ledger and blobs stay on disk for the next start.
 * @returns false when none was running.
 */
export function stopLocalnet(stateDir: string): Promise<boolean> {
  return stopRecordedProcess(localnetPaths(stateDir).pid, PROCESS_MARKER);
}

/** Whether this state folder's localnet runs, and whether anything healthy answers on `port`. */
export async function localnetStatus(stateDir: string, port: number): Promise<LocalnetStatus> {
  const url = localnetUrl(port);
  const pid = runningPid(localnetPaths(stateDir).pid, PROCESS_MARKER);
  const healthy = await isHealthy(url);
  return pid === undefined
    ? { running: false, url, healthy }
    : { running: true, pid, url, healthy };
}

/** The compiled entry point; from sources (tests under jest) it is the built copy in dist/. */
export function daemonEntryPath(): string {
  const sibling = path.join(__dirname, 'daemon-entry.js');
  if (fs.existsSync(sibling)) return sibling;
  return path.join(PROJECT_ROOT, 'dist', 'localnet', 'daemon-entry.js');
}

async function startDaemon(
  options: EnsureLocalnetOptions,
  paths: ReturnType<typeof localnetPaths>,
  url: string,
  timeoutMs: number,
): Promise<void> {
  const entry = daemonEntryPath();
  if (!fs.existsSync(entry)) {
    throw new LocalnetStartFailedError(
      `${entry} is missing; run \`npm run build\` first.`,
      paths.log,
    );
  }
  if (runningPid(paths.pid, PROCESS_MARKER) !== undefined) {
    // Our daemon runs but is unhealthy on this port: likely started with another port.
    throw new LocalnetStartFailedError(
      `A localnet from ${options.stateDir} already runs but does not answer at ${url}; stop it ` +
        'with `shelby-batch localnet stop` or set network.localnet.port to its port.',
      paths.log,
    );
  }

  const args = [entry, '--home', paths.home, '--port', String(options.port)];
  if (options.pricing) args.push('--pricing', JSON.stringify(options.pricing));
  const child = spawnDetached({
    command: process.execPath,
    args,
    logFile: paths.log,
    pidFile: paths.pid,
    cwd: paths.home,
  });

  const healthy = await waitUntil(
    async () => child.exited() !== undefined || (await isHealthy(url)),
    timeoutMs,
    100,
  );
  const exit = child.exited();
  if (exit || !healthy) {
    await stopRecordedProcess(paths.pid, PROCESS_MARKER, 5_000);
    const why = exit
      ? `exited during start-up (${exit.signal ?? `code ${exit.code}`})`
      : `did not answer ${url}/localnet/health within ${timeoutMs / 1000} s`;
    const tail = tailFile(paths.log);
    throw new LocalnetStartFailedError(
      `The localnet ${why}; see ${paths.log}${tail ? `:\n${tail}` : ''}`,
      paths.log,
    );
  }
}

async function fund(url: string, account: LocalnetFunding, logPath: string): Promise<void> {
  const response = await fetch(`${url}/localnet/fund`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...account, onlyIfNew: true }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) {
    const body = await response.text().catch(() => '');
    throw new LocalnetStartFailedError(
      `The localnet refused to fund ${account.address} (HTTP ${response.status}${body ? `: ${body}` : ''}); ` +
        'check the account address and balances in the config.',
      logPath,
    );
  }
}

async function isHealthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/localnet/health`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

function localnetUrl(port: number): string {
  return `http://127.0.0.1:${port}`;
}
