import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { createSandbox, writeTree, type Sandbox } from '../helpers/cli';
import {
  executionIs,
  ledgerFacts,
  runWorkerUntil,
  setFaults,
  startLocalnet,
  startedBatchId,
  waitFor,
  watchCli,
} from './faults-helpers';

// Real dev server, localnet and CLI processes on a shared 2-core machine.
jest.setTimeout(600_000);

describe('Ctrl-C during an upload', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await createSandbox();
    await startLocalnet(sandbox);
  });

  afterAll(async () => {
    await sandbox.cleanup();
  });

  test('before the batch starts (while it is planned and priced) exits 130 and leaves nothing behind', async () => {
    const source = path.join(sandbox.dir, 'early');
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`e${i}.txt`] = `early ${i}\n`;
    writeTree(source, files);
    // Pricing reads balances and blob metadata through view calls: slow them to widen the window.
    await setFaults(sandbox, [{ route: 'fullnode.view', action: 'latency', ms: 2000 }]);
    const batches = path.join(sandbox.home, 'batches');
    const before = new Set(fs.existsSync(batches) ? fs.readdirSync(batches) : []);
    const upload = watchCli(sandbox, ['upload', source, '--prefix', 'early/']);
    const newIds = (): string[] =>
      fs.existsSync(batches) ? fs.readdirSync(batches).filter((id) => !before.has(id)) : [];
    await waitFor(() => newIds().length > 0, 60_000, 'the batch folder to appear');
    const [batchId] = newIds();
    upload.child.kill('SIGINT');
    expect(await upload.closed).toBe(130);
    expect(upload.stderr()).toMatch(
      /interrupted before the batch started; nothing was queued or paid/,
    );
    expect(upload.stderr()).not.toMatch(/batch \S+ started/);
    expect(newIds()).toEqual([]);
    await setFaults(sandbox, []);
    const list = await sandbox.run(['status', '--json', '--limit', '1000']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).not.toContainEqual(expect.objectContaining({ batchId }));
    expect((await ledgerFacts(sandbox, 'early/')).registrations.size).toBe(0);
  });

  test('exits 130 with a clear line, and `start` finishes the batch with one payment per file', async () => {
    const source = path.join(sandbox.dir, 'tree');
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 80; i++) files[`f${i}.bin`] = randomBytes(300 + i);
    writeTree(source, files);
    await setFaults(sandbox, [{ route: 'rpc.putPart', action: 'latency', ms: 1000 }]);

    const upload = watchCli(sandbox, ['upload', source, '--prefix', 'intr/']);
    const batchId = await startedBatchId(upload);
    upload.child.kill('SIGINT');
    expect(await upload.closed).toBe(130);
    expect(upload.stderr()).toMatch(/interrupted; the batch goes on with the next worker/);
    expect(upload.stderr()).not.toMatch(/^\s+at /m);

    await setFaults(sandbox, []);
    await runWorkerUntil(sandbox, () => executionIs(sandbox, batchId), 'the batch to complete');
    const facts = await ledgerFacts(sandbox, 'intr/');
    expect(facts.registrations.size).toBe(80);
    for (const count of facts.registrations.values()) expect(count).toBe(1);
    expect(facts.aborted).toEqual([]);
  });
});
