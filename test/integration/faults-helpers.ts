import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';

import type { FaultRule, FaultsView } from '../../src/localnet/server';
import type { LocalnetBlobView, LocalnetTransactionView } from '../../src/localnet/routes-admin';
import { localnetGet, type CliRun, type Sandbox } from '../helpers/cli';

/** Helpers shared by the fault tests that drive the CLI against a sandbox's localnet. */

/** Starts the sandbox's background localnet (funding the config accounts), as `upload` would. */
export async function startLocalnet(sandbox: Sandbox): Promise<void> {
  const run = await sandbox.run(['localnet', 'start']);
  if (run.code !== 0) throw new Error(`localnet start failed: ${run.stderr}`);
}

/** Replaces the fault rules of the sandbox's localnet. */
export async function setFaults(sandbox: Sandbox, rules: FaultRule[]): Promise<FaultsView> {
  const response = await fetch(`${sandbox.localnetUrl}/localnet/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rules),
  });
  if (!response.ok) throw new Error(`faults refused: ${await response.text()}`);
  return (await response.json()) as FaultsView;
}

/** The fault rules in force, with their counters. */
export function faults(sandbox: Sandbox): Promise<FaultsView> {
  return localnetGet<FaultsView>(sandbox, '/localnet/faults');
}

/** What the chain says about a batch's names. */
export interface LedgerFacts {
  /** Successful registrations per blob name. */
  registrations: Map<string, number>;
  /** Transactions that aborted; each one paid gas for nothing. */
  aborted: LocalnetTransactionView[];
  blobs: LocalnetBlobView[];
}

/** Registrations and aborted transactions of names under `prefix`, and their blobs. */
export async function ledgerFacts(sandbox: Sandbox, prefix: string): Promise<LedgerFacts> {
  const { transactions } = await localnetGet<{ transactions: LocalnetTransactionView[] }>(
    sandbox,
    '/localnet/transactions',
  );
  const { blobs } = await localnetGet<{ blobs: LocalnetBlobView[] }>(sandbox, '/localnet/blobs');
  const ours = (t: LocalnetTransactionView) => t.blobNames.some((n) => n.startsWith(prefix));
  const registrations = new Map<string, number>();
  for (const txn of transactions.filter((t) => t.success && ours(t))) {
    for (const name of txn.blobNames) registrations.set(name, (registrations.get(name) ?? 0) + 1);
  }
  return {
    registrations,
    aborted: transactions.filter((t) => !t.success && ours(t)),
    blobs: blobs.filter((b) => b.name.startsWith(prefix)),
  };
}

/** The JSON summary `upload --json` prints last. */
export function summaryOf(run: CliRun): Record<string, unknown> & { batchId: string } {
  const line = run.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown> & { batchId: string };
  } catch {
    throw new Error(`no JSON summary (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}

/** A CLI process started in the background, with its output gathered as it comes. */
export interface WatchedCli {
  child: ChildProcess;
  stderr(): string;
  /** Its exit code, once it has exited. */
  closed: Promise<number | null>;
}

export function watchCli(sandbox: Sandbox, args: string[]): WatchedCli {
  const child = sandbox.spawn(args);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  return { child, stderr: () => stderr, closed };
}

/** The id in a CLI's "batch <id> started" line, once it has printed it. */
export async function startedBatchId(cli: WatchedCli): Promise<string> {
  const started = /batch (\S+) started/;
  await waitFor(() => started.test(cli.stderr()), 60_000, 'the batch to start');
  return started.exec(cli.stderr())![1];
}

/** Whether `status` says the batch's workflow ended as `execution`. */
export async function executionIs(
  sandbox: Sandbox,
  batchId: string,
  execution = 'COMPLETED',
): Promise<boolean> {
  const status = await sandbox.run(['status', batchId, '--json']);
  return status.code === 0 && JSON.parse(status.stdout).execution === execution;
}

/** Runs a worker (`shelby-batch start`) until `done` holds, then stops it as a user would. */
export async function runWorkerUntil(
  sandbox: Sandbox,
  done: () => Promise<boolean>,
  what: string,
): Promise<void> {
  const worker = watchCli(sandbox, ['start']);
  try {
    await waitFor(done, 240_000, what);
  } finally {
    worker.child.kill('SIGINT');
    await worker.closed;
  }
}

/** Waits until `predicate` holds, polling. */
export async function waitFor(
  predicate: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await predicate()) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * The outcome every fault case must end with: exit 0, every file uploaded, each name registered
 * exactly once with no aborted (duplicate) transaction, and every blob written.
 */
export async function expectCleanBatch(
  sandbox: Sandbox,
  run: CliRun,
  prefix: string,
  files: number,
): Promise<void> {
  const facts = await ledgerFacts(sandbox, prefix);
  const detail = `exit ${run.code}\n${run.stderr.slice(-3000)}`;
  expect({ code: run.code, detail }).toEqual({ code: 0, detail });
  expect(summaryOf(run)).toMatchObject({ uploaded: files, failed: 0 });
  expect(facts.registrations.size).toBe(files);
  expect([...facts.registrations.values()].every((count) => count === 1)).toBe(true);
  expect(facts.aborted).toEqual([]);
  expect(facts.blobs.filter((b) => b.isWritten)).toHaveLength(files);
}
