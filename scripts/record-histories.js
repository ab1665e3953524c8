// Saves every run's history of a batch as replay fixtures: node scripts/record-histories.js <batchId> [address]
const fs = require('node:fs');
const path = require('node:path');
const { Client, Connection } = require('@temporalio/client');
const { historyToJSON } = require('@temporalio/common/lib/proto-utils');

async function main() {
  const [workflowId, address = process.env.TEMPORAL_ADDRESS || '127.0.0.1:7233'] =
    process.argv.slice(2);
  if (!workflowId) throw new Error('usage: node scripts/record-histories.js <batchId> [address]');
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const dir = path.join(__dirname, '..', 'test', 'fixtures', 'histories');
  fs.mkdirSync(dir, { recursive: true });
  let n = 0;
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    const file = path.join(
      dir,
      `${workflowId}-run-${run.startTime.toISOString().replace(/[:.]/g, '')}.json`,
    );
    fs.writeFileSync(file, historyToJSON(history));
    n++;
  }
  await connection.close();
  console.log(`${n} run(s) saved to ${dir}`);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
