import * as fs from 'node:fs';
import * as path from 'node:path';

import { parse } from 'yaml';

import type {
  LocalnetAccountView,
  LocalnetBlobView,
  LocalnetTransactionView,
} from '../../src/localnet/routes-admin';
import { localnetGet, type CliRun, type Sandbox } from './cli';

/** Helpers for the data-side case tests (test/integration/cases-data.test.ts). */

/** One file's line in `report <batchId>`. */
export interface ReportFile {
  index: number;
  status: 'uploaded' | 'failed' | 'skipped';
  path: string;
  name: string;
  size: number;
  account?: string;
  merkleRoot?: string;
  txHash?: string;
  registered?: boolean;
  attempts?: number;
  error?: { type: string; message: string };
}

/** `report <batchId>` as JSON. */
export interface Report {
  counts: Record<string, number>;
  files: ReportFile[];
}

/** The per-file report of a batch; throws with the CLI's output when there is none. */
export async function reportOf(sandbox: Sandbox, batchId: string): Promise<Report> {
  const run = await sandbox.run(['report', batchId]);
  if (run.code !== 0) throw new Error(`report ${batchId} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Report;
}

/** Files of a report by blob name. */
export function byName(report: Report): Map<string, ReportFile> {
  return new Map(report.files.map((f) => [f.name, f]));
}

/** The last JSON line a `--json` command printed, or undefined when it printed none. */
export function lastJson(run: CliRun): (Record<string, unknown> & { batchId: string }) | undefined {
  const line = run.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown> & { batchId: string };
  } catch {
    return undefined;
  }
}

/** Everything the localnet's ledger holds, through its admin API. */
export interface Ledger {
  transactions: LocalnetTransactionView[];
  blobs: LocalnetBlobView[];
  accounts: LocalnetAccountView[];
}

export async function ledger(sandbox: Sandbox): Promise<Ledger> {
  const [{ transactions }, { blobs }, { accounts }] = await Promise.all([
    localnetGet<{ transactions: LocalnetTransactionView[] }>(sandbox, '/localnet/transactions'),
    localnetGet<{ blobs: LocalnetBlobView[] }>(sandbox, '/localnet/blobs'),
    localnetGet<{ accounts: LocalnetAccountView[] }>(sandbox, '/localnet/accounts'),
  ]);
  return { transactions, blobs, accounts };
}

/** Successful registrations per blob name. */
export function registrationsByName(transactions: LocalnetTransactionView[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const tx of transactions.filter((t) => t.success)) {
    for (const name of tx.blobNames) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** The config's address of an account id in the sandbox, in the localnet's spelling. */
export function addressOf(sandbox: Sandbox, accountId: string): string {
  const config = parse(fs.readFileSync(sandbox.configPath, 'utf8')) as {
    accounts: { id: string; address: string }[];
  };
  const address = config.accounts.find((a) => a.id === accountId)?.address;
  if (!address) throw new Error(`no account ${accountId} in ${sandbox.configPath}`);
  return `0x${address.slice(2).toLowerCase().padStart(64, '0')}`;
}

/** The worker's structured log of the sandbox (one JSON event per line), or '' before any. */
export function workerLog(sandbox: Sandbox): string {
  const file = path.join(sandbox.home, 'logs', 'worker.log');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

/**
 * Samples a process's peak resident memory (VmHWM of /proc/<pid>/status, in KiB) until it exits
 * or `stop` is called; the kernel keeps the peak, so sampling only has to catch the process
 * before it ends. Linux only.
 */
export function watchPeakMemory(pid: number, everyMs = 250): { stop(): number } {
  let peak = 0;
  const sample = (): void => {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      if (hwm > peak) peak = hwm;
    } catch {
      // The process has exited; its last sample stands.
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      sample();
      clearInterval(timer);
      return peak;
    },
  };
}

/** Runs a spawned CLI process to its end, collecting its output. */
export function completion(child: import('node:child_process').ChildProcess): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
