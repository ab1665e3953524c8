import { parentPort, workerData } from 'node:worker_threads';

import { ChunksetCommitter } from './chunkset-committer';
import type { FromWorker, ToWorker, WorkerSetup, WorkerTask } from './protocol';
import { loadShelbySdk } from './sdk';

// Entry point of a commitments worker thread (started by pool.ts from the compiled dist/ file).
// Tasks run one after another: the Clay provider's encoder is a single wasm instance.

if (parentPort === null) throw new Error('worker.ts runs only as a worker thread; use the pool.');
const port = parentPort;
const setup = workerData as WorkerSetup;
const send = (message: FromWorker): void => port.postMessage(message);

async function start(): Promise<void> {
  const committer = await ChunksetCommitter.create(setup.cacheDir, setup.wasmSha256);
  const { COMMITMENT_SCHEMA_VERSION } = await loadShelbySdk();
  const run = (task: WorkerTask): Promise<unknown> =>
    task.kind === 'chunkset'
      ? committer.commit(task.data, task.path)
      : committer.sdkCommitments(task.data);

  let queue = Promise.resolve();
  port.on('message', ({ id, task }: ToWorker) => {
    queue = queue.then(async () => {
      try {
        send({ type: 'done', id, result: await run(task) });
      } catch (error) {
        const { name, message } = error instanceof Error ? error : new Error(String(error));
        send({ type: 'error', id, name, message });
      }
    });
  });
  send({
    type: 'ready',
    schemaVersion: COMMITMENT_SCHEMA_VERSION,
    tableError: committer.tableError,
  });
}

start().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
});
