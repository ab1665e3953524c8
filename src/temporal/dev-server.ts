/**
 * The embedded Temporal: a `temporal server start-dev` process that keeps its state in a SQLite
 * file under the state folder, serves the Web UI, and keeps running after the CLI command that
 * started it exits, so later commands (and workers) reuse it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';

import { bindAddressFor, formatHostPort, parseHostPort } from './address';
import {
  runningPid,
  spawnDetached,
  stopRecordedProcess,
  tailFile,
  waitUntil,
  withLockFile,
  writeFileAtomic,
} from './background-process';
import { requireTemporalBinary } from './binary';
import { DevServerStartFailedError } from './errors';
import { isTemporalReachable } from './probe';
import { searchAttributeFlags } from './search-attributes';

/** How to start the dev server. */
export interface DevServerOptions {
  /** The state folder (`SHELBY_BATCH_HOME`); the server's files go in its `temporal/` folder. */
  stateDir: string;
  /** `host:port` of the gRPC frontend; the host must be this machine. */
  address: string;
  /** Web UI port; the gRPC port + 1000 by default, as `temporal server start-dev` does. */
  uiPort?: number;
  /** Namespace to create at launch besides `default`. */
  namespace: string;
  /** How long to wait for the server to answer; 60 s by default. */
  startTimeoutMs?: number;
  /** Extra `start-dev` flags, such as `--dynamic-config-value` in tests. */
  extraArgs?: string[];
  /** The `temporal` binary; found with {@link requireTemporalBinary} by default. */
  binary?: string;
  /** Outlive this process (default true); test harnesses pass false. */
  detached?: boolean;
}

/** A dev server that answers at `address`. */
export interface DevServerInfo {
  pid: number;
  address: string;
  uiUrl: string;
  /** True when a server from this state folder was already running and was reused. */
  alreadyRunning: boolean;
}

/** What {@link devServerStatus} reports. */
export interface DevServerStatus {
  /** A dev server started from this state folder is running. */
  running: boolean;
  pid?: number;
  address: string;
  uiUrl?: string;
  /** Something answers at the address (ours or not). */
  reachable: boolean;
}

/** The files a dev server keeps under `<stateDir>/temporal/`. */
export function devServerPaths(stateDir: string) {
  const dir = path.join(path.resolve(stateDir), 'temporal');
  return {
    dir,
    database: path.join(dir, 'dev.db'),
    log: path.join(dir, 'server.log'),
    pid: path.join(dir, 'server.pid'),
    info: path.join(dir, 'server.json'),
    lock: path.join(dir, 'start.lock'),
  };
}

/** Recognises our server in `/proc/<pid>/cmdline`, so a recycled pid is never signalled. */
const PROCESS_MARKER = 'start-dev';

interface RecordedServer {
  pid: number;
  address: string;
  uiUrl: string;
  namespace: string;
  startedAt: string;
}

/**
 * Starts a detached dev server (or returns the one already running from this state folder at the
 * same address) and waits until its namespace answers.
 * @throws {@link DevServerStartFailedError} when it exits or stays silent; the message quotes
 * the end of `<stateDir>/temporal/server.log`.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServerInfo> {
  const paths = devServerPaths(options.stateDir);
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const { host, port } = parseHostPort(options.address);
  const address = formatHostPort({ host, port });
  const uiPort = options.uiPort ?? port + 1000;
  if (uiPort > 65535) {
    throw new DevServerStartFailedError(
      `Web UI port ${uiPort} (gRPC port + 1000) is out of range; set a lower gRPC port or an explicit UI port.`,
      paths.log,
    );
  }
  const binary = options.binary ?? requireTemporalBinary();

  return withLockFile(paths.lock, timeoutMs, async () => {
    // Another command may have started it while we waited for the lock.
    const existing = readRecord(paths.info);
    const pid = runningPid(paths.pid, PROCESS_MARKER);
    if (pid !== undefined) {
      if (existing && existing.address === address && (await isTemporalReachable(address))) {
        await ensureDevNamespace(address, options.namespace);
        return { pid, address, uiUrl: existing.uiUrl, alreadyRunning: true };
      }
      throw new DevServerStartFailedError(
        `A dev server from ${options.stateDir} already runs (pid ${pid}` +
          `${existing ? `, at ${existing.address}` : ''}) and owns its database; stop it with ` +
          '`shelby-batch server stop` or point temporal.address at it.',
        paths.log,
      );
    }
    if (await isTemporalReachable(address)) {
      throw new DevServerStartFailedError(
        `Something already listens at ${address}; point temporal.address at it or pick a free port.`,
        paths.log,
      );
    }

    const bindIp = bindAddressFor(host);
    const uiUrl = `http://${formatHostPort({ host: bindIp, port: uiPort })}`;
    const args = [
      'server',
      'start-dev',
      '--ip',
      bindIp,
      '--port',
      String(port),
      '--ui-port',
      String(uiPort),
      '--db-filename',
      paths.database,
      '--namespace',
      options.namespace,
      ...searchAttributeFlags(),
      // WAL with NORMAL sync: far fewer fsyncs than the default and still crash-safe for the
      // database itself (a power cut may lose the last transactions, never corrupt the file).
      '--sqlite-pragma',
      'journal_mode=WAL',
      '--sqlite-pragma',
      'synchronous=NORMAL',
      '--log-level',
      'warn',
      ...(options.extraArgs ?? []),
    ];
    fs.mkdirSync(paths.dir, { recursive: true });
    const child = spawnDetached({
      command: binary,
      args,
      logFile: paths.log,
      pidFile: paths.pid,
      env: withoutTemporalClientEnv(process.env),
      cwd: paths.dir,
      detached: options.detached,
    });

    const fail = async (why: string): Promise<never> => {
      await stopRecordedProcess(paths.pid, PROCESS_MARKER, 5_000);
      const tail = tailFile(paths.log);
      throw new DevServerStartFailedError(
        `Temporal dev server ${why}; see ${paths.log}${tail ? `:\n${tail}` : ''}`,
        paths.log,
      );
    };

    const deadline = Date.now() + timeoutMs;
    const listening = await waitUntil(
      async () => child.exited() !== undefined || (await isTemporalReachable(address, 500)),
      timeoutMs,
      150,
    );
    const exit = child.exited();
    if (exit) return fail(`exited during start-up (${exit.signal ?? `code ${exit.code}`})`);
    if (!listening) return fail(`did not listen on ${address} within ${timeoutMs / 1000} s`);
    const serving = await namespaceAnswers(address, options.namespace, deadline, child.exited);
    const lateExit = child.exited();
    if (lateExit)
      return fail(`exited during start-up (${lateExit.signal ?? `code ${lateExit.code}`})`);
    if (!serving)
      return fail(`did not serve namespace ${options.namespace} within ${timeoutMs / 1000} s`);

    const record: RecordedServer = {
      pid: child.pid,
      address,
      uiUrl,
      namespace: options.namespace,
      startedAt: new Date().toISOString(),
    };
    writeFileAtomic(paths.info, `${JSON.stringify(record, null, 2)}\n`);
    return { pid: child.pid, address, uiUrl, alreadyRunning: false };
  });
}

/**
 * Stops the dev server started from this state folder: SIGTERM by its recorded pid, then waits.
 * Its database stays, so workflows resume at the next start.
 * @returns false when none was running.
 */
export async function stopDevServer(stateDir: string): Promise<boolean> {
  const paths = devServerPaths(stateDir);
  const stopped = await stopRecordedProcess(paths.pid, PROCESS_MARKER);
  fs.rmSync(paths.info, { force: true });
  return stopped;
}

/** Whether this state folder's dev server runs, and whether anything answers at `address`. */
export async function devServerStatus(stateDir: string, address: string): Promise<DevServerStatus> {
  const paths = devServerPaths(stateDir);
  const pid = runningPid(paths.pid, PROCESS_MARKER);
  const record = pid === undefined ? undefined : readRecord(paths.info);
  const reachable = await isTemporalReachable(record?.address ?? address);
  if (pid === undefined) return { running: false, address, reachable };
  return {
    running: true,
    pid,
    address: record?.address ?? address,
    uiUrl: record?.uiUrl,
    reachable,
  };
}

/** The Web UI address of this state folder's running dev server at `address`, if any. */
export function recordedUiUrl(stateDir: string, address: string): string | undefined {
  const paths = devServerPaths(stateDir);
  if (runningPid(paths.pid, PROCESS_MARKER) === undefined) return undefined;
  const record = readRecord(paths.info);
  const { host, port } = parseHostPort(address);
  return record?.address === formatHostPort({ host, port }) ? record.uiUrl : undefined;
}

/** gRPC status codes the namespace calls answer with. */
const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;

/**
 * Creates `namespace` on a running dev server when it lacks it: the server creates its namespaces
 * at launch, so one named in the config after that would otherwise fail every command.
 * @returns true when the namespace was missing.
 */
export async function ensureDevNamespace(address: string, namespace: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
  try {
    try {
      await connection.workflowService.describeNamespace({ namespace });
      return false;
    } catch (err) {
      if ((err as { code?: number }).code !== GRPC_NOT_FOUND) throw err;
    }
    try {
      // Finished batches stay listed (and their histories readable) for 30 days.
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('30 days'),
      });
    } catch (err) {
      // Another command created it in the meantime.
      if ((err as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw err;
    }
    // The server briefly remembers that the name was unknown (our describe above); wait until
    // a call that goes through its namespace cache succeeds, or starting a workflow would fail.
    await waitUntil(
      () =>
        connection.workflowService.countWorkflowExecutions({ namespace }).then(
          () => true,
          () => false,
        ),
      15_000,
      100,
    );
    return true;
  } finally {
    await connection.close();
  }
}

/** Polls until the namespace is served; gives up early (returning false) if the server exits. */
async function namespaceAnswers(
  address: string,
  namespace: string,
  deadline: number,
  exited: () => unknown,
): Promise<boolean> {
  let connection: Connection | undefined;
  let served = false;
  try {
    await waitUntil(
      async () => {
        if (exited()) return true;
        try {
          connection ??= await Connection.connect({ address, connectTimeout: 2_000 });
          await connection.withDeadline(Date.now() + 2_000, () =>
            connection!.workflowService.describeNamespace({ namespace }),
          );
          served = true;
          return true;
        } catch {
          return false;
        }
      },
      Math.max(0, deadline - Date.now()),
      250,
    );
    return served;
  } finally {
    await connection?.close();
  }
}

function readRecord(file: string): RecordedServer | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as RecordedServer;
  } catch {
    return undefined;
  }
}

/**
 * The CLI reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and friends as client settings; they are
 * meant for our workers, not for the server process.
 */
function withoutTemporalClientEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('TEMPORAL_')));
}
