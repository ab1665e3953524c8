/**
 * Detached helper processes that outlive the CLI invocation which started them (the Temporal
 * dev server, the Shelby localnet), tracked by pid files under the state folder. Processes are
 * only ever signalled by their recorded pid, and only after checking that the pid still belongs
 * to the program we started, since pids are reused after a reboot.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** What to launch and where to keep its traces. */
export interface DetachedSpawnOptions {
  command: string;
  args: string[];
  /** stdout and stderr are appended here. */
  logFile: string;
  pidFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Run in its own session (the default), so it outlives this process and a Ctrl-C in this
   * terminal. Tests pass false so an interrupted run takes its servers down with it.
   */
  detached?: boolean;
}

/** A started process, with a way to learn that it already died. */
export interface DetachedProcess {
  pid: number;
  /** Set once the child exits while this process is still watching it. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/**
 * Starts a process in its own session, so it survives this one, and records its pid. The child
 * is unreferenced: this process can exit while it keeps running.
 */
export function spawnDetached(options: DetachedSpawnOptions): DetachedProcess {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  fs.mkdirSync(path.dirname(options.pidFile), { recursive: true });
  const log = fs.openSync(options.logFile, 'a');
  try {
    fs.writeSync(
      log,
      `\n--- ${new Date().toISOString()} starting ${path.basename(options.command)}\n`,
    );
    const child = spawn(options.command, options.args, {
      detached: options.detached ?? true,
      stdio: ['ignore', log, log],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let spawnError: Error | undefined;
    child.on('exit', (code, signal) => (exit = { code, signal }));
    child.on('error', (err) => (spawnError = err));
    if (child.pid === undefined) {
      throw new Error(`could not start ${options.command}: ${spawnError?.message ?? 'no pid'}`);
    }
    child.unref();
    writeFileAtomic(options.pidFile, `${child.pid}\n`);
    return {
      pid: child.pid,
      exited: () => exit ?? (spawnError ? { code: -1, signal: null } : undefined),
    };
  } finally {
    fs.closeSync(log);
  }
}

/** The pid recorded in a pid file, or undefined when there is no readable one. */
export function readPidFile(pidFile: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(pidFile, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/** Whether a process with this pid exists (and is not a zombie waiting to be reaped). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/**
 * Whether the pid is alive and its command line contains `marker`. Where `/proc` is missing
 * (macOS) the command line cannot be read and liveness alone decides.
 */
export function isOurProcess(pid: number, marker: string): boolean {
  if (!isProcessAlive(pid)) return false;
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return !fs.existsSync('/proc/self');
  }
  return cmdline.split('\0').some((arg) => arg.includes(marker));
}

/** The recorded pid if it still runs our program; removes a stale pid file otherwise. */
export function runningPid(pidFile: string, marker: string): number | undefined {
  const pid = readPidFile(pidFile);
  if (pid === undefined) return undefined;
  if (isOurProcess(pid, marker)) return pid;
  fs.rmSync(pidFile, { force: true });
  return undefined;
}

/**
 * Stops the process recorded in `pidFile`: SIGTERM, then SIGKILL after `graceMs`, both by pid.
 * @returns false when no such process was running.
 */
export async function stopRecordedProcess(
  pidFile: string,
  marker: string,
  graceMs = 15_000,
): Promise<boolean> {
  const pid = runningPid(pidFile, marker);
  if (pid === undefined) return false;
  signal(pid, 'SIGTERM');
  if (!(await waitUntil(() => !isProcessAlive(pid), graceMs))) {
    signal(pid, 'SIGKILL');
    await waitUntil(() => !isProcessAlive(pid), 5_000);
  }
  fs.rmSync(pidFile, { force: true });
  return true;
}

/** Polls `check` until it returns true or `timeoutMs` passes; resolves to the last result. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await delay(intervalMs);
  }
}

/** The last `lines` lines of a log file, for error messages. */
export function tailFile(file: string, lines = 20): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Runs `fn` while holding an exclusive lock file, so two CLI invocations do not both start a
 * server on the same port and database. A lock left by a dead process is taken over.
 */
export async function withLockFile<T>(
  lockFile: string,
  timeoutMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readPidFile(lockFile);
      if (holder === undefined || !isProcessAlive(holder)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `${lockFile} is held by process ${holder}; wait for it to finish, or delete the file ` +
            'if that process is not shelby-batch.',
        );
      }
      await delay(200);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

/** Writes through a temporary file and a rename, so readers never see half a file. */
export function writeFileAtomic(file: string, content: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, content);
  fs.renameSync(temp, file);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
