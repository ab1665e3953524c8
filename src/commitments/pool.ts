import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import type { FromWorker, WorkerResults, WorkerSetup, WorkerTask } from './protocol';

/** What the workers reported once they were all up. */
export interface PoolReady {
  /** Why the table path is unavailable, when it is. */
  tableError?: string;
}

interface Job {
  id: number;
  task: WorkerTask;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

/**
 * A fixed set of worker threads that commit chunksets, shared by every engine in the process.
 * Jobs queue until a worker is free. Chunkset buffers are reserved through {@link reserve}
 * before they are read, which bounds the bytes in flight across all callers to a few chunksets
 * per thread, whatever the number and size of the files.
 */
export class CommitmentsPool {
  /** Resolves when every worker has its provider and table; rejects if one cannot start. */
  readonly ready: Promise<PoolReady>;

  private readonly workers = new Set<Worker>();
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly reservations: (() => void)[] = [];
  private available: number;
  private nextId = 0;
  private terminating = false;

  /**
   * @param startAfter the workers start once this settles (the engine's self-check derives and
   * caches the response table first, so the workers find it in the cache).
   */
  constructor(
    readonly threads: number,
    private readonly setup: WorkerSetup,
    startAfter: Promise<unknown> = Promise.resolve(),
  ) {
    this.available = threads * 2;
    const script = join(__dirname, 'worker.js');
    if (!existsSync(script)) {
      throw new Error(`The commitments worker ${script} is missing; run "npm run build" first.`);
    }
    this.ready = startAfter
      .catch(() => undefined)
      .then(() => {
        if (this.terminating) throw new Error('The commitments pool is closed.');
        return Promise.all(Array.from({ length: threads }, () => this.spawn(script)));
      })
      .then((reports) => reports[0]);
    // A failed start surfaces through ready; this keeps it from being reported as unhandled.
    this.ready.catch(() => undefined);
  }

  /**
   * Runs one task on the next free worker. A task's `data` is transferred to it (and so detached
   * here) when it spans its whole buffer, and copied otherwise.
   */
  run<K extends WorkerTask['kind']>(
    task: Extract<WorkerTask, { kind: K }>,
  ): Promise<WorkerResults[K]> {
    if (this.terminating) return Promise.reject(new Error('The commitments pool is closed.'));
    if ('data' in task) {
      const { data } = task;
      if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) {
        // Only a buffer that is exactly the chunkset may be transferred; anything else is copied.
        task = { ...task, data: new Uint8Array(data) };
      }
    }
    return new Promise<unknown>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, resolve, reject });
      this.dispatch();
    }) as Promise<WorkerResults[K]>;
  }

  /**
   * Waits for room for one more chunkset in flight and returns the function that frees it.
   * Callers reserve before reading a chunkset and free once its result is back.
   */
  async reserve(): Promise<() => void> {
    if (this.available > 0) {
      this.available--;
    } else {
      await new Promise<void>((resolve) => this.reservations.push(resolve));
    }
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      const next = this.reservations.shift();
      if (next !== undefined) next();
      else this.available++;
    };
  }

  /** Stops every worker; queued and running jobs fail. */
  async terminate(): Promise<void> {
    this.terminating = true;
    const closed = new Error('The commitments pool is closed.');
    for (const job of this.queue.splice(0)) job.reject(closed);
    await Promise.all([...this.workers].map((worker) => worker.terminate()));
  }

  private spawn(script: string): Promise<PoolReady> {
    const worker = new Worker(script, { workerData: this.setup });
    const slot: Slot = { worker };
    this.workers.add(worker);
    return new Promise<PoolReady>((resolve, reject) => {
      let started = false;
      worker.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'ready':
            started = true;
            if (this.terminating) {
              void worker.terminate();
              return;
            }
            // A starting or busy worker keeps the process alive (someone awaits it); an idle
            // one must not, so a program that never closes its engine still exits.
            worker.unref();
            this.slots.push(slot);
            resolve({ tableError: message.tableError });
            this.dispatch();
            return;
          case 'failed':
            reject(new Error(`A commitments worker could not start: ${message.message}`));
            void worker.terminate();
            return;
          case 'done':
          case 'error':
            this.finish(slot, message);
        }
      });
      worker.on('error', (error) => {
        if (!started) reject(error);
        this.fail(slot, error);
      });
      worker.on('exit', (code) => {
        this.workers.delete(worker);
        if (!started)
          reject(new Error(`A commitments worker exited with code ${code} while starting.`));
        this.fail(slot, new Error(`A commitments worker exited (code ${code}); retry the upload.`));
        if (started && !this.terminating) {
          // Replace a worker that died under load so the pool keeps its size.
          this.spawn(script).catch((replacementError: Error) => {
            if (this.slots.length > 0) return;
            for (const job of this.queue.splice(0)) job.reject(replacementError);
          });
        }
      });
    });
  }

  private finish(slot: Slot, message: Extract<FromWorker, { type: 'done' | 'error' }>): void {
    const job = slot.job;
    if (job === undefined || job.id !== message.id) return;
    slot.job = undefined;
    slot.worker.unref();
    if (message.type === 'done') {
      job.resolve(message.result);
    } else {
      const error = Object.assign(new Error(message.message), message.details);
      error.name = message.name;
      job.reject(error);
    }
    this.dispatch();
  }

  private fail(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    const job = slot.job;
    slot.job = undefined;
    if (job !== undefined) job.reject(error);
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.job !== undefined) continue;
      const job = this.queue.shift() as Job;
      slot.job = job;
      slot.worker.ref();
      const transfer = 'data' in job.task ? [job.task.data.buffer as ArrayBuffer] : [];
      slot.worker.postMessage({ id: job.id, task: job.task }, transfer);
    }
  }
}
