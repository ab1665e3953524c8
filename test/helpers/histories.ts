import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

/** Every run's history of a workflow (one per continue-as-new), as JSON strings. */
export async function fetchHistories(
  address: string,
  workflowId: string,
): Promise<{ runId: string; json: string }[]> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const runs: { runId: string; json: string }[] = [];
    for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
      runs.push({ runId: run.runId, json: historyToJSON(history) });
    }
    return runs;
  } finally {
    await connection.close();
  }
}
