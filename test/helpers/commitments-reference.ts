/**
 * The reference for the commitments tests: the SDK's own generateCommitments, run on worker
 * threads of this helper (one Clay provider each) so the reference keeps up with the engine.
 * Shared by the other commitments-*.ts helpers; runs only as compiled CommonJS in plain node.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

import type * as ShelbySdk from '@shelby-protocol/sdk/node' with { 'resolution-mode': 'import' };
import type * as Engine from '../../src/commitments/engine';

/** The ESM Shelby SDK, loaded from CommonJS. */
export function loadSdk(): Promise<typeof ShelbySdk> {
  return import('@shelby-protocol/sdk/node');
}

/** The compiled engine module under the project root given as argv[2]. */
export function loadEngine(root: string): typeof Engine {
  const load = createRequire(__filename);
  return load(path.join(root, 'dist', 'commitments', 'engine.js')) as typeof Engine;
}

/** generateCommitments on a pool of worker threads. */
export interface SdkReference {
  commitments(data: Uint8Array): Promise<unknown>;
  close(): Promise<void>;
}

export function createSdkReference(threads: number): SdkReference {
  const workers = Array.from(
    { length: threads },
    () => new Worker(__filename, { workerData: { role: 'sdk-reference' } }),
  );
  const idle = [...workers];
  const waiting: (() => void)[] = [];
  let nextId = 0;
  return {
    async commitments(data) {
      while (idle.length === 0) await new Promise<void>((resolve) => waiting.push(resolve));
      const worker = idle.pop() as Worker;
      try {
        const id = nextId++;
        return await new Promise((resolve, reject) => {
          const onMessage = (message: { id: number; result?: unknown; error?: string }) => {
            if (message.id !== id) return;
            worker.off('message', onMessage);
            if (message.error !== undefined) reject(new Error(message.error));
            else resolve(message.result);
          };
          worker.on('message', onMessage);
          worker.postMessage({ id, data });
        });
      } finally {
        idle.push(worker);
        waiting.shift()?.();
      }
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}

async function serveReference(): Promise<void> {
  const sdk = await loadSdk();
  const provider = await sdk.ClayErasureCodingProvider.create();
  let queue = Promise.resolve();
  parentPort?.on('message', ({ id, data }: { id: number; data: Uint8Array }) => {
    queue = queue.then(async () => {
      try {
        parentPort?.postMessage({ id, result: await sdk.generateCommitments(provider, data) });
      } catch (error) {
        parentPort?.postMessage({ id, error: String(error) });
      }
    });
  });
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === 'sdk-reference') {
  void serveReference();
}
