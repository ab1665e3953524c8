import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { createSandbox, writeTree, type Sandbox } from '../helpers/cli';
import {
  addressOf,
  byName,
  completion,
  lastJson,
  ledger,
  registrationsByName,
  reportOf,
  watchPeakMemory,
  workerLog,
} from '../helpers/cases-data';
import { faults, setFaults, startLocalnet, waitFor } from './faults-helpers';

/**
 * The data-side cases of /work/shared/cases (B02, B03, B12, B13) through the CLI, each against a
 * sandbox of its own: its localnet, its state folder, the run's Temporal server.
 */

const MiB = 1024 * 1024;

describe('B02: a file larger than 2 GiB', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await createSandbox();
  });
  afterAll(async () => {
    await sandbox.cleanup();
    fs.rmSync(sandbox.dir, { recursive: true, force: true });
  });

  test('a 2300 MB sparse file is streamed: uploaded once, verified, the uploading process under 500 MiB', async () => {
    const big = path.join(sandbox.dir, 'big.bin');
    // Sparse: costs no disk, reads as zeros; a few bytes of data at both ends and past 2 GiB.
    const size = 2300 * MiB;
    fs.writeFileSync(big, '');
    fs.truncateSync(big, size);
    const handle = fs.openSync(big, 'r+');
    for (const at of [0, 2 ** 31 + 5, size - 7]) fs.writeSync(handle, randomBytes(7), 0, 7, at);
    fs.closeSync(handle);

    const child = sandbox.spawn(['upload', big, '--prefix', 'b02/', '--json']);
    const memory = watchPeakMemory(child.pid!);
    const run = await completion(child);
    const peakKiB = memory.stop();

    expect(run.code).toBe(0);
    const summary = lastJson(run)!;
    expect(summary).toMatchObject({ uploaded: 1, failed: 0, status: 'completed' });
    const [file] = (await reportOf(sandbox, summary.batchId)).files;
    expect(file).toMatchObject({ name: 'b02/big.bin', status: 'uploaded', size, attempts: 1 });

    // One registration, of the whole size, and the blob is written.
    const { transactions, blobs } = await ledger(sandbox);
    expect(transactions.filter((t) => !t.success)).toEqual([]);
    expect(registrationsByName(transactions)).toEqual(new Map([['b02/big.bin', 1]]));
    expect(blobs.map((b) => [b.name, b.size, b.isWritten])).toEqual([['b02/big.bin', size, true]]);

    const verify = await sandbox.run(['verify', summary.batchId, '--json'], { timeoutMs: 600_000 });
    expect(verify.code).toBe(0);

    // The process that planned, committed, registered and sent 2.3 GB, worker included.
    expect(peakKiB).toBeGreaterThan(0);
    expect(peakKiB).toBeLessThanOrEqual(500 * 1024);
  }, 900_000);
});

describe('B03: files that grow, change or vanish mid-batch', () => {
  const sandboxes: Sandbox[] = [];
  afterAll(async () => {
    for (const sandbox of sandboxes) {
      await sandbox.cleanup();
      fs.rmSync(sandbox.dir, { recursive: true, force: true });
    }
  });

  /** A folder like the recipe's: a large log, a file to delete, and files that stay as they are. */
  function folder(sandbox: Sandbox): string {
    const dir = path.join(sandbox.dir, 'm');
    writeTree(dir, {
      log: randomBytes(12 * MiB),
      gone: 'x\n',
      same: randomBytes(3000),
      keep1: 'keep\n',
      keep2: randomBytes(2 * MiB),
    });
    return dir;
  }

  test('changed after planning: FileChanged and FileVanished, nothing registered for them, the rest uploaded; resume uploads the new versions', async () => {
    const sandbox = await createSandbox();
    sandboxes.push(sandbox);
    const dir = folder(sandbox);

    // The price check plans the batch (its manifest records sizes and times); no worker runs yet.
    const queued = await sandbox.run(['upload', dir, '--prefix', 'b03/', '--no-start', '--json']);
    expect(queued.code).toBe(0);
    const { batchId } = lastJson(queued)!;

    fs.appendFileSync(path.join(dir, 'log'), randomBytes(MiB));
    fs.rmSync(path.join(dir, 'gone'));
    // Same size, new bytes: only the modification time tells.
    fs.writeFileSync(path.join(dir, 'same.new'), randomBytes(3000));
    fs.renameSync(path.join(dir, 'same.new'), path.join(dir, 'same'));

    const run = await sandbox.run(['resume', batchId, '--json']);
    expect(run.code).toBe(1);
    expect(lastJson(run)).toMatchObject({ uploaded: 2, failed: 3 });
    const files = byName(await reportOf(sandbox, batchId));
    expect(files.get('b03/log')).toMatchObject({
      status: 'failed',
      error: { type: 'FileChanged' },
    });
    expect(files.get('b03/same')).toMatchObject({
      status: 'failed',
      error: { type: 'FileChanged' },
    });
    expect(files.get('b03/gone')).toMatchObject({
      status: 'failed',
      error: { type: 'FileVanished' },
    });
    expect(files.get('b03/keep1')).toMatchObject({ status: 'uploaded' });
    expect(files.get('b03/keep2')).toMatchObject({ status: 'uploaded' });

    // Nothing was registered for the changed files: no root that the bytes would not match.
    let chain = await ledger(sandbox);
    expect([...registrationsByName(chain.transactions).keys()].sort()).toEqual([
      'b03/keep1',
      'b03/keep2',
    ]);

    // resume of the ended batch retries the failed files, as they are now.
    const retry = await sandbox.run(['resume', batchId, '--json']);
    // `gone` is still gone, so the retry fails too; the others go through.
    expect(retry.code).toBe(1);
    const retried = lastJson(retry)!;
    expect(retried.batchId).not.toBe(batchId);
    const again = byName(await reportOf(sandbox, retried.batchId));
    expect(again.get('b03/log')).toMatchObject({ status: 'uploaded', size: 13 * MiB });
    expect(again.get('b03/same')).toMatchObject({ status: 'uploaded', size: 3000 });
    expect(again.get('b03/gone')?.status).toBe('failed');

    chain = await ledger(sandbox);
    const counts = registrationsByName(chain.transactions);
    for (const name of ['b03/log', 'b03/same', 'b03/keep1', 'b03/keep2'])
      expect([name, counts.get(name)]).toEqual([name, 1]);
    expect(chain.transactions.filter((t) => !t.success)).toEqual([]);
    const verify = await sandbox.run(['verify', retried.batchId, '--json']);
    expect(verify.code).toBe(0);
  }, 300_000);

  test('grown during its data upload: FileChanged, its blob never written, the rest uploaded', async () => {
    const sandbox = await createSandbox();
    sandboxes.push(sandbox);
    const dir = folder(sandbox);
    await startLocalnet(sandbox);
    // Slow parts: the 12 MiB log takes three of them, so the append lands while it is sent.
    await setFaults(sandbox, [{ route: 'rpc.putPart', action: 'latency', ms: 2500 }]);

    const child = sandbox.spawn([
      'upload',
      dir,
      '--prefix',
      'b03/',
      '--accounts',
      'alice',
      '--json',
    ]);
    const done = completion(child);
    await waitFor(
      async () => ((await faults(sandbox)).requests['rpc.putPart'] ?? 0) >= 1,
      120_000,
      'the first part',
    );
    fs.appendFileSync(path.join(dir, 'log'), randomBytes(MiB));
    const run = await done;

    expect(run.code).toBe(1);
    const summary = lastJson(run)!;
    const files = byName(await reportOf(sandbox, summary.batchId));
    expect(files.get('b03/log')).toMatchObject({
      status: 'failed',
      error: { type: 'FileChanged' },
    });
    for (const name of ['b03/gone', 'b03/same', 'b03/keep1', 'b03/keep2'])
      expect([name, files.get(name)?.status]).toEqual([name, 'uploaded']);

    // If the log was registered before it grew, that registration never got data: no blob holds
    // bytes other than the ones its root describes.
    const { blobs, transactions } = await ledger(sandbox);
    const log = blobs.find((b) => b.name === 'b03/log');
    if (log) expect(log).toMatchObject({ size: 12 * MiB, isWritten: false });
    expect(transactions.filter((t) => !t.success)).toEqual([]);
  }, 300_000);

  // Known gap, outside the commitments: the log above was registered (with the root of its old
  // bytes) before it grew, and a name cannot be registered twice, so the retry meets a
  // NameConflict. Needs an explicit policy that replaces an unwritten registration of the same
  // file (delete_blob, then register again). Flip to `test` once it exists.
  test.failing(
    'grown during its data upload: resume uploads the new version under the same account',
    async () => {
      const sandbox = await createSandbox();
      sandboxes.push(sandbox);
      const dir = path.join(sandbox.dir, 'g');
      writeTree(dir, { log: randomBytes(12 * MiB) });
      await startLocalnet(sandbox);
      await setFaults(sandbox, [{ route: 'rpc.putPart', action: 'latency', ms: 2500 }]);
      const child = sandbox.spawn(['upload', dir, '--prefix', 'b03g/', '--accounts', 'alice']);
      const done = completion(child);
      await waitFor(
        async () => ((await faults(sandbox)).requests['rpc.putPart'] ?? 0) >= 1,
        120_000,
        'the first part',
      );
      fs.appendFileSync(path.join(dir, 'log'), randomBytes(MiB));
      const first = await done;
      expect(first.code).toBe(1);
      const batchId = /shelby-batch resume (\S+)/.exec(first.stdout)?.[1];
      await setFaults(sandbox, []);

      const retry = await sandbox.run(['resume', batchId!, '--json']);
      expect(retry.code).toBe(0);
      const [file] = (await reportOf(sandbox, lastJson(retry)!.batchId)).files;
      expect(file).toMatchObject({ status: 'uploaded', size: 13 * MiB, account: 'alice' });
    },
    300_000,
  );
});

describe('B12: many transactions from one account', () => {
  const sandboxes: Sandbox[] = [];
  afterAll(async () => {
    for (const sandbox of sandboxes) {
      await sandbox.cleanup();
      fs.rmSync(sandbox.dir, { recursive: true, force: true });
    }
  });

  async function upload(accounts: string): Promise<{ sandbox: Sandbox; batchId: string }> {
    const sandbox = await createSandbox((config) => {
      config.global_limits.max_parallel_uploads = 16;
    });
    sandboxes.push(sandbox);
    const dir = path.join(sandbox.dir, 'q');
    const files: Record<string, Buffer> = {};
    for (let i = 1; i <= 40; i++) files[String(i)] = randomBytes(10 * 1024);
    writeTree(dir, files);
    const run = await sandbox.run([
      'upload',
      dir,
      '--prefix',
      'b12/',
      '--accounts',
      accounts,
      '--json',
    ]);
    expect(run.code).toBe(0);
    const summary = lastJson(run)!;
    expect(summary).toMatchObject({ uploaded: 40, failed: 0 });
    return { sandbox, batchId: summary.batchId };
  }

  test('40 files from one account, 16 uploads at once: no sequence-number error, one try each, one registration per name', async () => {
    const { sandbox, batchId } = await upload('alice');
    const report = await reportOf(sandbox, batchId);
    expect(report.files).toHaveLength(40);
    for (const file of report.files)
      expect([file.name, file.status, file.attempts, file.account]).toEqual([
        file.name,
        'uploaded',
        1,
        'alice',
      ]);
    expect(workerLog(sandbox)).not.toMatch(/SEQUENCE_NUMBER|already in mempool/i);
    const { transactions } = await ledger(sandbox);
    expect(transactions.filter((t) => !t.success)).toEqual([]);
    const counts = registrationsByName(transactions);
    expect(counts.size).toBe(40);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // Consecutive sequence numbers, none skipped or reused.
    const sequence = transactions.map((t) => t.sequenceNumber).sort((a, b) => a - b);
    expect(sequence).toEqual(sequence.map((_, i) => sequence[0] + i));
  }, 300_000);

  // 40 small files would make two groups of 32 and 8; sized to three accounts they make three.
  test('with three accounts the load spreads: each pays for some files', async () => {
    const { sandbox, batchId } = await upload('alice,bob,carol');
    const report = await reportOf(sandbox, batchId);
    const payers = new Set(report.files.map((f) => f.account));
    expect([...payers].sort()).toEqual(['alice', 'bob', 'carol']);
    const { transactions } = await ledger(sandbox);
    const senders = new Set(transactions.filter((t) => t.success).map((t) => t.sender));
    expect(senders.size).toBe(3);
  }, 300_000);
});

describe('B13: an account runs out of funds mid-batch', () => {
  const sandboxes: Sandbox[] = [];
  afterAll(async () => {
    for (const sandbox of sandboxes) {
      await sandbox.cleanup();
      fs.rmSync(sandbox.dir, { recursive: true, force: true });
    }
  });

  /**
   * Ten 5 MiB files; alice holds ShelbyUSD for three of them (51,000 units each at the sample
   * price: 1,000 per blob and 10,000 per started MiB), bob plenty.
   */
  async function setup(): Promise<{ sandbox: Sandbox; files: string[] }> {
    const sandbox = await createSandbox((config) => {
      config.accounts[0].balance = { apt: 1_000_000_000, shelbyusd: 160_000 };
    });
    sandboxes.push(sandbox);
    const dir = path.join(sandbox.dir, 'f');
    const contents: Record<string, Buffer> = {};
    for (let i = 1; i <= 10; i++) contents[`f${i}`] = randomBytes(5 * MiB);
    writeTree(dir, contents);
    return { sandbox, files: Object.keys(contents).map((name) => path.join(dir, name)) };
  }

  test('round-robin over a nearly dry and a funded account: all uploaded, the dry one bypassed, no failed transaction', async () => {
    const { sandbox, files } = await setup();
    const run = await sandbox.run([
      'upload',
      ...files,
      '--prefix',
      'b13/',
      '--accounts',
      'alice,bob',
      '--strategy',
      'round-robin',
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(lastJson(run)).toMatchObject({ uploaded: 10, failed: 0 });
    const report = await reportOf(sandbox, lastJson(run)!.batchId);
    const paidBy = (id: string) => report.files.filter((f) => f.account === id).length;
    expect(paidBy('alice')).toBeGreaterThan(0);
    expect(paidBy('alice')).toBeLessThanOrEqual(3);
    expect(paidBy('alice') + paidBy('bob')).toBe(10);

    const { transactions, blobs, accounts } = await ledger(sandbox);
    expect(transactions.filter((t) => !t.success)).toEqual([]);
    expect(blobs.every((b) => b.isWritten)).toBe(true);
    // Drained: what alice has left cannot pay for another file.
    const alice = accounts.find((a) => a.address === addressOf(sandbox, 'alice'))!;
    expect(Number(alice.shelbyusd)).toBeLessThan(51_000);
  }, 300_000);

  test('the nearly dry account alone: refused before paying; forced, a clean pause with nothing half-paid', async () => {
    const { sandbox, files } = await setup();
    const args = ['upload', ...files, '--prefix', 'b13/', '--accounts', 'alice'];

    const refused = await sandbox.run(args);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/cannot pay/);
    expect(refused.stdout).toBe('');
    expect((await ledger(sandbox)).transactions).toEqual([]);

    const forced = await sandbox.run([...args, '--force']);
    expect(forced.code).toBe(3);
    expect(forced.stderr).toMatch(/paused.*out of funds/);
    const paused = /batch (\S+) is paused/.exec(forced.stderr)?.[1];
    expect(paused).toBeDefined();
    // No summary, so no success line, while files are left.
    expect(forced.stdout).not.toMatch(/completed|uploaded/);
    const { transactions, blobs } = await ledger(sandbox);
    expect(transactions.filter((t) => !t.success)).toEqual([]);
    expect(transactions.length).toBeGreaterThan(0);
    // Every registration paid for got its data: nothing registered and left empty.
    expect(blobs.length).toBeGreaterThan(0);
    expect(blobs.length).toBeLessThanOrEqual(3);
    expect(blobs.every((b) => b.isWritten)).toBe(true);
    // The paused batch waits for funds; end it so it does not outlive the test.
    expect((await sandbox.run(['cancel', paused!])).code).toBe(0);
  }, 300_000);
});
