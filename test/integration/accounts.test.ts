import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createSandbox, localnetGet, waitFor, writeTree, type Sandbox } from '../helpers/cli';
import { setFaults, startLocalnet } from './faults-helpers';

// Heavier than unit tests: real dev server, localnet and CLI processes on a shared 2-core machine.
jest.setTimeout(600_000);

interface LedgerTransaction {
  sender: string;
  success: boolean;
  vmStatus: string;
  blobNames: string[];
}

interface LedgerAccount {
  address: string;
  apt: string;
  shelbyusd: string;
}

async function transactions(sandbox: Sandbox): Promise<LedgerTransaction[]> {
  return (
    await localnetGet<{ transactions: LedgerTransaction[] }>(sandbox, '/localnet/transactions')
  ).transactions;
}

/** How many successful registrations each blob name got. */
async function registrationsByName(sandbox: Sandbox): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const tx of (await transactions(sandbox)).filter((t) => t.success)) {
    for (const name of tx.blobNames) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

async function totals(sandbox: Sandbox): Promise<{ apt: bigint; shelbyusd: bigint }> {
  const { accounts } = await localnetGet<{ accounts: LedgerAccount[] }>(
    sandbox,
    '/localnet/accounts',
  );
  return accounts.reduce(
    (sum, a) => ({ apt: sum.apt + BigInt(a.apt), shelbyusd: sum.shelbyusd + BigInt(a.shelbyusd) }),
    { apt: 0n, shelbyusd: 0n },
  );
}

function smallFiles(root: string, count: number, tag: string): void {
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < count; i++) files[`${tag}-${i}.bin`] = randomBytes(200 + i);
  writeTree(root, files);
}

describe('many accounts', () => {
  const sandboxes: Sandbox[] = [];
  afterAll(async () => {
    for (const s of sandboxes) await s.cleanup();
  });

  test('four batches over two workers: one transaction per account at a time, each file registered once, few transactions', async () => {
    const sandbox = await createSandbox();
    sandboxes.push(sandbox);
    const ids: string[] = [];
    for (let b = 0; b < 4; b++) {
      const dir = path.join(sandbox.dir, `batch${b}`);
      smallFiles(dir, 80, `b${b}`);
      const queued = await sandbox.run([
        'upload',
        dir,
        '--prefix',
        `multi${b}/`,
        '--no-start',
        '--json',
      ]);
      expect(queued.code).toBe(0);
      ids.push(JSON.parse(queued.stdout).batchId);
    }
    const workers = [sandbox.spawn(['start']), sandbox.spawn(['start'])];
    try {
      for (const id of ids) {
        await waitFor(
          async () => {
            const s = await sandbox.run(['status', id, '--json']);
            return s.code === 0 && JSON.parse(s.stdout).execution === 'COMPLETED';
          },
          300_000,
          `batch ${id}`,
        );
      }
    } finally {
      for (const w of workers) w.kill('SIGTERM');
      await Promise.all(workers.map((w) => new Promise((resolve) => w.once('close', resolve))));
    }
    for (const id of ids) {
      const report = JSON.parse((await sandbox.run(['report', id])).stdout);
      expect(report.counts).toMatchObject({ uploaded: 80, failed: 0 });
      // A sequence-number conflict would have cost a retry.
      for (const file of report.files) expect([file.name, file.attempts]).toEqual([file.name, 1]);
    }
    const log = fs.readFileSync(path.join(sandbox.home, 'logs', 'worker.log'), 'utf8');
    expect(log).not.toMatch(/SEQUENCE_NUMBER/);
    const counts = await registrationsByName(sandbox);
    expect(counts.size).toBe(320);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const txs = (await transactions(sandbox)).filter((t) => t.success);
    expect(txs.length).toBeLessThanOrEqual(320 / 10);
  });

  test('an account funded for a few files is drained and bypassed while the batch completes', async () => {
    const sandbox = await createSandbox((config) => {
      // carol can pay for about three small blobs (11,000 ShelbyUSD units each at the default price).
      config.accounts[2].balance = { apt: 1_000_000_000, shelbyusd: 35_000 };
      config.global_limits.max_parallel_uploads = 1;
    });
    sandboxes.push(sandbox);
    const dir = path.join(sandbox.dir, 'files');
    // Large enough that each file is its own group, so carol gets files round-robin.
    for (let i = 0; i < 9; i++) writeTree(dir, { [`f${i}.bin`]: randomBytes(1024 * 1024 + i) });
    const run = await sandbox.run([
      'upload',
      dir,
      '--prefix',
      'dry/',
      '--strategy',
      'round-robin',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ uploaded: 9, failed: 0 });
    const report = JSON.parse((await sandbox.run(['report', summary.batchId])).stdout);
    const byAccount = new Map<string, number>();
    for (const f of report.files) byAccount.set(f.account, (byAccount.get(f.account) ?? 0) + 1);
    expect(byAccount.get('carol') ?? 0).toBeLessThan(3);
    expect((byAccount.get('alice') ?? 0) + (byAccount.get('bob') ?? 0)).toBeGreaterThan(6);
    // carol paid no failed transaction: the check before paying caught it.
    const carol = (await transactions(sandbox)).filter((t) => !t.success);
    expect(carol).toEqual([]);
  });

  test('--dry-run totals match what the real run pays, to the unit', async () => {
    const sandbox = await createSandbox();
    sandboxes.push(sandbox);
    const dir = path.join(sandbox.dir, 'files');
    smallFiles(dir, 70, 's');
    writeTree(dir, {
      'big/a.bin': randomBytes(3 * 1024 * 1024 + 5),
      'big/b.bin': randomBytes(1024 * 1024),
    });
    const dry = await sandbox.run(['upload', dir, '--prefix', 'cost/', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    const estimate = JSON.parse(dry.stdout);
    const before = await totals(sandbox);
    const run = await sandbox.run(['upload', dir, '--prefix', 'cost/', '--json']);
    expect(run.code).toBe(0);
    const after = await totals(sandbox);
    expect(String(before.shelbyusd - after.shelbyusd)).toBe(estimate.total.storage);
    expect(String(before.apt - after.apt)).toBe(estimate.total.gas);
    const txs = (await transactions(sandbox)).filter((t) => t.success);
    expect(txs.length).toBe(estimate.total.transactions);
  });

  test('an account holding little more than its fees pays, and one 503 or 429 does not stop pricing', async () => {
    // 1,000,000 octas: far more than the fees here, far less than the SDK's default maximum fee.
    const sandbox = await createSandbox((config) => {
      config.accounts[0].balance = { apt: 1_000_000, shelbyusd: 100_000_000 };
    });
    sandboxes.push(sandbox);
    const dir = path.join(sandbox.dir, 'files');
    smallFiles(dir, 12, 'lean');
    await startLocalnet(sandbox);
    await setFaults(sandbox, [
      { route: 'fullnode.view', count: 1, action: 'status', status: 503 },
      { route: 'fullnode.balance', count: 1, action: '429', retryAfter: 1 },
    ]);
    const dry = await sandbox.run(['estimate', dir, '--prefix', 'lean/', '--accounts', 'alice']);
    expect({ code: dry.code, stderr: dry.stderr }).toEqual({ code: 0, stderr: '' });
    expect(dry.stdout).toMatch(/the pool can pay/);
    await setFaults(sandbox, []);
    const run = await sandbox.run([
      'upload',
      dir,
      '--prefix',
      'lean/',
      '--accounts',
      'alice',
      '--json',
    ]);
    expect({ code: run.code, stderr: run.stderr.slice(-2000) }).toMatchObject({ code: 0 });
    expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toMatchObject({
      uploaded: 12,
      failed: 0,
    });
  });

  test('an account that covers the fees but not the maximum fee is short, and the pool cannot pay', async () => {
    // Twelve small files in one registration: 110,000 octas of gas, 220,000 of maximum fee.
    const sandbox = await createSandbox((config) => {
      config.accounts[0].balance = { apt: 150_000, shelbyusd: 100_000_000 };
    });
    sandboxes.push(sandbox);
    const dir = path.join(sandbox.dir, 'files');
    smallFiles(dir, 12, 'tight');
    const dry = await sandbox.run(['estimate', dir, '--prefix', 'tight/', '--accounts', 'alice']);
    expect(dry.code).toBe(3);
    expect(dry.stdout).toMatch(/SHORT/);
    expect(dry.stdout).toMatch(/THE POOL CANNOT PAY/);
    const run = await sandbox.run(['upload', dir, '--prefix', 'tight/', '--accounts', 'alice']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/cannot pay/);
  });

  test('uploading the same files again pays for none, whichever account each one lands on', async () => {
    const sandbox = await createSandbox();
    sandboxes.push(sandbox);
    const dir = path.join(sandbox.dir, 'files');
    smallFiles(dir, 40, 'again');
    writeTree(dir, { 'big.bin': randomBytes(2 * 1024 * 1024) });
    const first = await sandbox.run(['upload', dir, '--prefix', 'again/', '--accounts', 'alice']);
    expect(first.code).toBe(0);
    const txsBefore = (
      await localnetGet<{ transactions: unknown[] }>(sandbox, '/localnet/transactions')
    ).transactions.length;

    const dry = await sandbox.run(['upload', dir, '--prefix', 'again/', '--dry-run', '--json']);
    expect(JSON.parse(dry.stdout).total).toMatchObject({ transactions: 0, storage: '0' });
    const again = await sandbox.run(['upload', dir, '--prefix', 'again/', '--json']);
    expect(again.code).toBe(0);
    const summary = JSON.parse(again.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ uploaded: 41, failed: 0, registered: 0 });
    const report = JSON.parse(fs.readFileSync(summary.report, 'utf8')) as {
      files: { account: string; registered: boolean }[];
    };
    expect(new Set(report.files.map((f) => f.account))).toEqual(new Set(['alice']));
    const txsAfter = (
      await localnetGet<{ transactions: unknown[] }>(sandbox, '/localnet/transactions')
    ).transactions.length;
    expect(txsAfter).toBe(txsBefore);
  });

  test('when every account is dry the batch pauses, and resumes once funded', async () => {
    const sandbox = await createSandbox((config) => {
      for (const account of config.accounts)
        account.balance = { apt: 1_000_000_000, shelbyusd: 12_000 };
    });
    sandboxes.push(sandbox);
    const dir = path.join(sandbox.dir, 'files');
    for (let i = 0; i < 6; i++) writeTree(dir, { [`f${i}.bin`]: randomBytes(1024 * 1024 + i) });

    const priced = await sandbox.run(['estimate', dir, '--prefix', 'broke/']);
    expect(priced.code).toBe(3);
    expect(priced.stdout).toMatch(/THE POOL CANNOT PAY/);
    const refused = await sandbox.run(['upload', dir, '--prefix', 'broke/']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/cannot pay/);
    // Nothing of the refused batch is left in the state folder.
    const batches = path.join(sandbox.home, 'batches');
    expect(fs.existsSync(batches) ? fs.readdirSync(batches) : []).toEqual([]);

    const forced = await sandbox.run(['upload', dir, '--prefix', 'broke/', '--force', '--json']);
    expect(forced.code).toBe(3);
    expect(forced.stderr).toMatch(/paused.*out of funds/);
    const batchId =
      /batch (\S+)/.exec(forced.stderr)?.[1] ?? JSON.parse(forced.stdout || '{}').batchId;

    const { accounts } = await localnetGet<{ accounts: LedgerAccount[] }>(
      sandbox,
      '/localnet/accounts',
    );
    await fetch(`${sandbox.localnetUrl}/localnet/fund`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ address: accounts[0].address, apt: 0, shelbyusd: 10_000_000 }),
    });
    const resumed = await sandbox.run(['resume', batchId, '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout.trim().split('\n').pop()!)).toMatchObject({
      uploaded: 6,
      failed: 0,
    });
  });
});
