import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { createSandbox, writeTree, type Sandbox } from '../helpers/cli';
import { fetchHistories } from '../helpers/histories';

// Heavier than unit tests: real dev server, localnet and CLI processes on a shared 2-core machine.
jest.setTimeout(300_000);

const BUNDLE = path.join(__dirname, '..', '..', 'dist', 'workflow-bundle.js');
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'histories');

async function replay(histories: { workflowId: string; history: unknown }[]): Promise<void> {
  const results = Worker.runReplayHistories(
    { workflowBundle: { codePath: BUNDLE } },
    histories.map((h) => ({ workflowId: h.workflowId, history: historyFromJSON(h.history) })),
  );
  for await (const result of results) {
    expect([result.workflowId, result.error]).toEqual([result.workflowId, undefined]);
  }
}

describe('recorded batch histories replay without nondeterminism', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await createSandbox();
  });

  afterAll(async () => {
    await sandbox.cleanup();
  });

  test("committed fixtures (plan, continue-as-new, report) replay against today's workflow code", async () => {
    const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    await replay(
      files.map((f) => ({
        workflowId: f,
        history: JSON.parse(fs.readFileSync(path.join(FIXTURES, f), 'utf8')),
      })),
    );
  });

  test('a fresh batch that continued as new replays run by run', async () => {
    const source = path.join(sandbox.dir, 'files');
    const tree: Record<string, string> = {};
    for (let i = 0; i < 12; i++) tree[`f${i}.txt`] = `file ${i}\n`.repeat(i + 1);
    tree['big.bin'] = 'x'.repeat(1024 * 1024 + 1);
    writeTree(source, tree);
    sandbox.env.SHELBY_BATCH_GROUPS_PER_RUN = '1';
    const run = await sandbox.run(['upload', source, '--prefix', 'replay/', '--json']);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!);
    const histories = await fetchHistories(process.env.TEMPORAL_ADDRESS!, summary.batchId);
    expect(histories.length).toBeGreaterThan(1);
    // The list shows the batch once, whatever the number of runs it continued into.
    const list = await sandbox.run(['status', '--json', '--limit', '1000']);
    expect(list.code).toBe(0);
    const rows = (JSON.parse(list.stdout) as { batchId: string }[]).filter(
      (row) => row.batchId === summary.batchId,
    );
    expect(rows).toEqual([
      expect.objectContaining({ execution: 'COMPLETED', status: 'completed', filesDone: 13 }),
    ]);
    await replay(histories.map((h) => ({ workflowId: h.runId, history: JSON.parse(h.json) })));
  });
});
