import { parentPort, workerData } from 'node:worker_threads';

import { ChunksetCommitter } from './chunkset-committer';
import type { FromWorker, ToWorker, WorkerSetup, WorkerTask } from './protocol';

// Entry point of a commitments worker thread (started by pool.ts from the compiled dist/ file).
// Tasks run one after another: the Clay encoder is a single wasm instance.

if (parentPort === null) throw new Error('worker.ts runs only as a worker thread; use the pool.');
const port = parentPort;
const setup = workerData as WorkerSetup;
const send = (message: FromWorker): void => port.postMessage(message);

async function start(): Promise<void> {
  const committer = await ChunksetCommitter.create(setup);
  const run = (task: WorkerTask): Promise<unknown> => {
    switch (task.kind) {
      case 'chunkset':
        return committer.commit(task.data, task.path);
      case 'file-chunkset':
        return committer.commitFromFile(task.file, task.size, task.index, task.path);
    }
  };

  let queue = Promise.resolve();
  port.on('message', ({ id, task }: ToWorker) => {
    queue = queue.then(async () => {
      try {
        send({ type: 'done', id, result: await run(task) });
      } catch (error) {
        const { name, message } = error instanceof Error ? error : new Error(String(error));
        // Fields such as a FileChangedError's sizes or an fs error's code travel along.
        const details = error instanceof Error ? primitiveFields(error) : undefined;
        send({ type: 'error', id, name, message, details });
      }
    });
  });
  send({ type: 'ready', tableError: committer.tableError });
}

start().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
});

function primitiveFields(error: Error): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(error).filter(([, value]) => value === null || typeof value !== 'object'),
  );
}
