import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client, Connection } from '@temporalio/client';

import { createSandbox, writeTree, type Sandbox } from '../helpers/cli';
import { testTemporalSettings } from '../helpers/temporal-env';
import {
  executionIs,
  ledgerFacts,
  setFaults,
  startLocalnet,
  startedBatchId,
  waitFor,
  watchCli,
} from './faults-helpers';

// Real dev server, localnet and CLI processes on a shared 2-core machine.
jest.setTimeout(600_000);

describe('cancelling a batch with uploads in flight', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await createSandbox((config) => {
      config.global_limits.max_parallel_uploads = 2;
    });
    await startLocalnet(sandbox);
  });

  afterAll(async () => {
    await sandbox.cleanup();
  });

  test('the batch ends as cancelled within seconds and registers nothing more', async () => {
    const source = path.join(sandbox.dir, 'tree');
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 160; i++) files[`f${i}.bin`] = randomBytes(500 + i);
    writeTree(source, files);
    // Slow parts keep every group in flight for a while.
    await setFaults(sandbox, [{ route: 'rpc.putPart', action: 'latency', ms: 3000 }]);

    const upload = watchCli(sandbox, ['upload', source, '--prefix', 'cancel/']);
    try {
      const batchId = await startedBatchId(upload);
      await waitFor(
        async () => (await ledgerFacts(sandbox, 'cancel/')).registrations.size > 0,
        120_000,
        'a first registration',
      );

      expect((await sandbox.run(['cancel', batchId])).code).toBe(0);
      await waitFor(
        () => executionIs(sandbox, batchId, 'CANCELLED'),
        60_000,
        'the batch to end as cancelled',
      );
      const atCancel = (await ledgerFacts(sandbox, 'cancel/')).registrations;
      // The workflow took the cancellation in stride: no task of it failed.
      const { address, namespace } = testTemporalSettings();
      const connection = await Connection.connect({ address });
      try {
        const client = new Client({ connection, namespace });
        const history = await client.workflow.getHandle(batchId).fetchHistory();
        const failedTasks = (history.events ?? []).filter(
          (e) => e.workflowTaskFailedEventAttributes,
        );
        expect(
          failedTasks.map((e) => e.workflowTaskFailedEventAttributes?.failure?.message),
        ).toEqual([]);
      } finally {
        await connection.close();
      }
      // Groups already past their registration may finish sending data; none pays again.
      await sleep(15_000);
      const later = await ledgerFacts(sandbox, 'cancel/');
      expect(later.registrations).toEqual(atCancel);
      expect(later.aborted).toEqual([]);
      expect(atCancel.size).toBeLessThan(160);
      for (const count of atCancel.values()) expect(count).toBe(1);
      // Every name paid for shows in the report: uploaded, or pending with its transaction.
      const report = await sandbox.run(['report', batchId]);
      expect(report.code).toBe(0);
      const rows = new Map(
        (
          JSON.parse(report.stdout).files as {
            name: string;
            status: string;
            registered?: boolean;
            txHash?: string;
          }[]
        ).map((row) => [row.name, row]),
      );
      // The list counts what the cancelled batch got done, as the report does.
      const list = await sandbox.run(['status', '--json', '--limit', '1000']);
      const listed = (JSON.parse(list.stdout) as { batchId: string; filesDone: number }[]).find(
        (row) => row.batchId === batchId,
      );
      const uploaded = [...rows.values()].filter((row) => row.status === 'uploaded').length;
      expect(listed).toMatchObject({ execution: 'CANCELLED', filesDone: uploaded, files: 160 });
      for (const name of later.registrations.keys()) {
        const row = rows.get(name)!;
        const shown =
          (row.status === 'uploaded' && row.registered === true) ||
          (row.status === 'pending' && /^0x[0-9a-f]+$/.test(row.txHash ?? ''));
        expect([name, row.status, shown]).toEqual([name, row.status, true]);
      }
      expect(await upload.closed).not.toBe(0);
    } finally {
      upload.child.kill('SIGKILL');
      await setFaults(sandbox, []);
    }
  });
});
