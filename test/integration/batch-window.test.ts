import { setTimeout as sleep } from 'node:timers/promises';

import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  NativeConnection,
  Worker,
  type WorkflowBundle,
} from '@temporalio/worker';

import type { BatchActivities } from '../../src/activities';
import type { BatchRequest, FileRef, UploadGroupInput } from '../../src/batch/types';
import type { batchWorkflow } from '../../src/workflows/batch';
import { testTemporalSettings, uniqueTaskQueue } from '../helpers/temporal-env';

jest.setTimeout(300_000);

/**
 * The batch workflow alone, with activities that only count: how many upload groups it keeps in
 * flight, and how it sizes them.
 */
describe('the batch window', () => {
  let connection: Connection;
  let client: Client;
  let native: NativeConnection;
  let bundle: WorkflowBundle;

  beforeAll(async () => {
    const { address, namespace } = testTemporalSettings();
    connection = await Connection.connect({ address });
    client = new Client({ connection, namespace });
    native = await NativeConnection.connect({ address });
    bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    });
  });

  afterAll(async () => {
    await native?.close();
    await connection?.close();
  });

  async function runBatch(files: number, accounts: number, maxParallel: number) {
    const taskQueue = uniqueTaskQueue('window');
    let inFlight = 0;
    let peak = 0;
    const groups: UploadGroupInput[] = [];
    const refs: FileRef[] = Array.from({ length: files }, (_, index) => ({ index, size: 100 }));
    const activities = {
      plan: async () => ({
        files,
        uploadable: files,
        skipped: 0,
        unstorable: 0,
        bytes: files * 100,
        pages: 1,
        pageSize: 500,
      }),
      readPage: async () => refs,
      uploadGroup: async (input: UploadGroupInput) => {
        groups.push(input);
        peak = Math.max(peak, ++inFlight);
        await sleep(300);
        inFlight--;
        const n = input.files.length;
        return { uploaded: n, failed: 0, registered: n, bytes: n * 100, requeue: [] };
      },
      recordFailures: async () => ({ uploaded: 0, failed: 0, registered: 0, bytes: 0 }),
      finishReport: async () => ({
        path: '/dev/null',
        counts: {
          files,
          uploaded: files,
          skipped: 0,
          failed: 0,
          pending: 0,
          bytes: files * 100,
          registered: files,
        },
      }),
      checkAccounts: async () => ({ accounts: [] }),
    } as unknown as BatchActivities;
    const request: BatchRequest = {
      batchId: `window-${taskQueue}`,
      sources: [],
      prefix: 'w/',
      strategy: 'round-robin',
      accounts: Array.from({ length: accounts }, (_, i) => ({ id: `a${i}`, weight: 1 })),
      network: 'local',
      expirationMicros: Date.now() * 1000 + 86_400_000_000,
      maxParallel,
      maxRetries: 0,
      followSymlinks: false,
    };
    const worker = await Worker.create({
      connection: native,
      taskQueue,
      workflowBundle: bundle,
      activities,
    });
    const summary = await worker.runUntil(
      client.workflow.execute<typeof batchWorkflow>('batchWorkflow', {
        taskQueue,
        workflowId: request.batchId,
        args: [{ request }],
      }),
    );
    return { summary, peak, groups };
  }

  it('keeps up to max_parallel_uploads groups of small files in flight, not one', async () => {
    const { summary, peak, groups } = await runBatch(160, 1, 3);
    expect(summary).toMatchObject({ uploaded: 160, failed: 0 });
    expect(groups.map((g) => g.files.length)).toEqual([32, 32, 32, 32, 32]);
    expect(peak).toBe(3);
  });

  it('cuts a small batch into one group per account, all in flight together', async () => {
    const { peak, groups } = await runBatch(40, 3, 8);
    expect(groups.map((g) => g.files.length).sort()).toEqual([12, 14, 14]);
    expect(groups.map((g) => g.accountId).sort()).toEqual(['a0', 'a1', 'a2']);
    expect(peak).toBe(3);
  });
});
