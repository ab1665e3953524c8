import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  NativeConnection,
  Worker,
  type WorkflowBundle,
} from '@temporalio/worker';

import { BATCH_NETWORK, BATCH_STATUS } from '../../src/temporal/search-attributes';
import type { EchoActivities } from '../helpers/temporal-echo-workflow';
import { testTemporalSettings, uniqueTaskQueue } from '../helpers/temporal-env';

describe('integration harness', () => {
  let connection: Connection;
  let client: Client;
  let nativeConnection: NativeConnection;
  let workflowBundle: WorkflowBundle;

  beforeAll(async () => {
    const { address, namespace } = testTemporalSettings();
    connection = await Connection.connect({ address });
    client = new Client({ connection, namespace });
    nativeConnection = await NativeConnection.connect({ address });
    workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../helpers/temporal-echo-workflow'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    });
  });

  afterAll(async () => {
    await nativeConnection?.close();
    await connection?.close();
  });

  it('runs a workflow and its activity on the shared dev server', async () => {
    const taskQueue = uniqueTaskQueue('harness');
    const activities: EchoActivities = { shout: async (text) => text.toUpperCase() };
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle,
      activities,
    });

    const result = await worker.runUntil(
      client.workflow.execute('echoWorkflow', {
        taskQueue,
        workflowId: `harness-${taskQueue}`,
        args: ['hello shelby'],
        typedSearchAttributes: [
          { key: BATCH_STATUS, value: 'running' },
          { key: BATCH_NETWORK, value: 'local' },
        ],
      }),
    );

    expect(result).toEqual({ echoed: 'HELLO SHELBY', status: 'completed' });
  });

  it('has the shelby search attributes registered', async () => {
    const { namespace } = testTemporalSettings();
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    expect(Object.keys(listed.customAttributes ?? {})).toEqual(
      expect.arrayContaining(['ShelbyBatchStatus', 'ShelbyNetwork', 'ShelbyFilesDone']),
    );
  });
});
