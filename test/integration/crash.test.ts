import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createSandbox, localnetGet, waitFor, writeTree, type Sandbox } from '../helpers/cli';
import { executionIs, runWorkerUntil } from './faults-helpers';

// Heavier than unit tests: real dev server, localnet and CLI processes on a shared 2-core machine.
jest.setTimeout(600_000);

interface LedgerTransaction {
  hash: string;
  sender: string;
  success: boolean;
  blobNames?: string[];
}

describe('a worker killed mid-batch', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await createSandbox((config) => {
      config.global_limits.max_parallel_uploads = 2;
    });
  });

  afterAll(async () => {
    await sandbox.cleanup();
  });

  test('kill -9 of the uploading process, then `start`: every file registered exactly once', async () => {
    const source = path.join(sandbox.dir, 'tree');
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 120; i++) files[`d${i % 7}/f${i}.bin`] = randomBytes(1000 + i * 97);
    for (let i = 0; i < 6; i++) files[`large/l${i}.bin`] = randomBytes(2 * 1024 * 1024 + i);
    writeTree(source, files);

    // The upload process runs the worker; kill it once some files are done.
    const upload = sandbox.spawn(['upload', source, '--prefix', 'crash/']);
    let stderr = '';
    upload.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => /batch (\S+) started/.test(stderr), 60_000, 'the batch to start');
    const batchId = /batch (\S+) started/.exec(stderr)![1];
    const results = path.join(sandbox.home, 'batches', batchId, 'results');
    await waitFor(
      () =>
        fs.existsSync(results) &&
        fs.readdirSync(results).some((f) => fs.statSync(path.join(results, f)).size > 0),
      120_000,
      'first results',
    );
    upload.kill('SIGKILL');
    await new Promise((resolve) => upload.once('close', resolve));

    // A new worker finishes the batch from Temporal's history.
    await runWorkerUntil(sandbox, () => executionIs(sandbox, batchId), 'the batch to complete');

    const status = JSON.parse((await sandbox.run(['status', batchId, '--json'])).stdout);
    expect(status).toMatchObject({ uploaded: 126, failed: 0 });

    const body = await localnetGet<{ transactions: LedgerTransaction[] }>(
      sandbox,
      '/localnet/transactions',
    );
    const counts = new Map<string, number>();
    for (const tx of body.transactions.filter((t) => t.success)) {
      for (const name of tx.blobNames ?? []) counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const names = Object.keys(files).map((f) => `crash/${f}`);
    for (const name of names) expect([name, counts.get(name)]).toEqual([name, 1]);

    // The report knows every file this batch paid for, even those whose registration landed just
    // before the kill, and names the transaction whenever it is known. A kill between sending a
    // registration and learning its hash leaves the hash unknown (README, Limits).
    const paidBy = new Map<string, string>();
    for (const tx of body.transactions.filter((t) => t.success)) {
      for (const name of tx.blobNames ?? []) paidBy.set(name, tx.hash);
    }
    const report = JSON.parse((await sandbox.run(['report', batchId])).stdout) as {
      files: { name: string; registered: boolean; txHash?: string }[];
    };
    for (const row of report.files) {
      expect([row.name, row.registered, row.txHash ?? paidBy.get(row.name)]).toEqual([
        row.name,
        true,
        paidBy.get(row.name),
      ]);
    }

    const verify = await sandbox.run(['verify', batchId, '--json']);
    expect(JSON.parse(verify.stdout)).toMatchObject({ checked: 126, mismatches: [] });
  });
});
