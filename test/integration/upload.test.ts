import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createSandbox, localnetGet, writeTree, type Sandbox } from '../helpers/cli';

// Heavier than unit tests: real dev server, localnet and CLI processes on a shared 2-core machine.
jest.setTimeout(300_000);

interface LedgerTransaction {
  sender: string;
  success: boolean;
  blobNames?: string[];
}

/** Every blob name registered by a successful transaction, with how often. */
async function registrations(sandbox: Sandbox): Promise<Map<string, number>> {
  const body = await localnetGet<{ transactions: LedgerTransaction[] }>(
    sandbox,
    '/localnet/transactions',
  );
  const counts = new Map<string, number>();
  for (const tx of body.transactions.filter((t) => t.success)) {
    for (const name of tx.blobNames ?? [])
      counts.set(`${tx.sender}/${name}`, (counts.get(`${tx.sender}/${name}`) ?? 0) + 1);
  }
  return counts;
}

describe('upload through a batch workflow', () => {
  let sandbox: Sandbox;
  let source: string;

  beforeAll(async () => {
    sandbox = await createSandbox();
    source = path.join(sandbox.dir, 'files');
    writeTree(source, {
      'a.txt': 'hello shelby\n',
      'empty.bin': '',
      'nested/deeper/b.json': JSON.stringify({ ok: true }),
      'nested/random.bin': randomBytes(300 * 1024),
      'big/six-mib.bin': randomBytes(6 * 1024 * 1024 + 17),
      'unicode/漢字 ☃.txt': 'snow',
    });
    fs.symlinkSync('a.txt', path.join(source, 'link-to-a'));
  });

  afterAll(async () => {
    await sandbox.cleanup();
  });

  test('uploads a mixed folder, skips the symlink, and every blob reads back equal', async () => {
    const run = await sandbox.run(['upload', source, '--prefix', 'mixed/', '--json']);
    expect(run.stderr).not.toMatch(/privateKey|ed25519-priv/);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ status: 'completed', uploaded: 6, skipped: 1, failed: 0 });

    const report = JSON.parse(fs.readFileSync(summary.report, 'utf8'));
    const byName = new Map(report.files.map((f: { name: string }) => [f.name, f]));
    expect(byName.get('mixed/link-to-a')).toMatchObject({
      status: 'skipped',
      error: { type: 'symlink' },
    });
    expect(byName.get('mixed/unicode/漢字 ☃.txt')).toMatchObject({ status: 'uploaded' });

    const csv = await sandbox.run(['report', summary.batchId, '--format', 'csv']);
    expect(csv.code).toBe(0);
    const [header, ...rows] = csv.stdout.trim().split('\n');
    expect(header).toBe(
      'index,status,path,name,size,account,merkleRoot,txHash,registered,written,attempts,errorType,error',
    );
    expect(rows).toHaveLength(7);
    expect(rows.find((row) => row.includes(',mixed/link-to-a,'))).toMatch(
      /,skipped,.*,symlink,a\.txt$/,
    );

    const verify = await sandbox.run(['verify', summary.batchId, '--json']);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ checked: 6, mismatches: [] });

    const status = await sandbox.run(['status', summary.batchId, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ execution: 'COMPLETED', uploaded: 6 });
  });

  test('a second run of the same upload registers nothing and pays nothing', async () => {
    const before = await localnetGet<unknown>(sandbox, '/localnet/accounts');
    const registeredBefore = await registrations(sandbox);
    const run = await sandbox.run(['upload', source, '--prefix', 'mixed/', '--json']);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ uploaded: 6, registered: 0, failed: 0 });
    expect(await localnetGet<unknown>(sandbox, '/localnet/accounts')).toEqual(before);
    expect(await registrations(sandbox)).toEqual(registeredBefore);
  });

  test('a file that does not exist is refused before anything starts', async () => {
    const run = await sandbox.run(['upload', path.join(sandbox.dir, 'nope')]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/no such file or folder/);
  });
});
