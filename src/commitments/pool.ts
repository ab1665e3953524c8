import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import type { FromWorker, WorkerResults, WorkerSetup, WorkerTask } from './protocol';

/** What the first worker reported once it was up. */
export interface PoolReady {
  /** Why the table path is unavailable, when it is. */
  tableError?: string;
}

/**
 * A worker with nothing to do for this long stops, giving back its encoder's memory (about
 * 42 MiB once it has met dense data); another starts in a few milliseconds when work comes.
 */
export const IDLE_WORKER_MS = 2_000;

interface Job {
  id: number;
  task: WorkerTask;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  idle?: NodeJS.Timeout;
}

/**
 * Up to `threads` worker threads that commit chunksets, shared by every engine in the process.
 * Jobs queue until a worker is free; workers start as jobs wait and stop after
 * {@link IDLE_WORKER_MS} without one, so a process busy sending data holds none of their memory. Chunksets
 * are reserved through {@link reserve} before they are handed out, which bounds the work in
 * flight across all callers to two chunksets per thread, whatever the number and size of the
 * files.
 */
export class CommitmentsPool {
  /** Resolves when the first worker has its table; rejects if it cannot start. */
  readonly ready: Promise<PoolReady>;

  private readonly script: string;
  private readonly workers = new Set<Worker>();
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly reservations: (() => void)[] = [];
  private available: number;
  private nextId = 0;
  private started = false;
  private terminating = false;

  /**
   * @param startAfter the first worker starts once this settles (the engine's self-check derives
   * and caches the response table first, so the workers find it in the cache).
   */
  constructor(
    readonly threads: number,
    private readonly setup: WorkerSetup,
    startAfter: Promise<unknown> = Promise.resolve(),
  ) {
    this.available = threads * 2;
    this.script = join(__dirname, 'worker.js');
    if (!existsSync(this.script)) {
      throw new Error(
        `The commitments worker ${this.script} is missing; run "npm run build" first.`,
      );
    }
    this.ready = startAfter
      .catch(() => undefined)
      .then(() => {
        if (this.terminating) throw new Error('The commitments pool is closed.');
        return this.spawn();
      })
      .then((report) => {
        this.started = true;
        this.dispatch();
        return report;
      });
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
   * Callers reserve before handing a chunkset out and free once its result is back.
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
    for (const slot of this.slots) clearTimeout(slot.idle);
    await Promise.all([...this.workers].map((worker) => worker.terminate()));
  }

  private spawn(): Promise<PoolReady> {
    const worker = new Worker(this.script, { workerData: this.setup });
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
        // Jobs still waiting get another worker (one that died under load is replaced).
        this.dispatch();
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
    clearTimeout(slot.idle);
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    const job = slot.job;
    slot.job = undefined;
    if (job !== undefined) job.reject(error);
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.job !== undefined) continue;
      const job = this.queue.shift();
      if (job === undefined) {
        this.retireWhenIdle(slot);
        continue;
      }
      clearTimeout(slot.idle);
      slot.idle = undefined;
      slot.job = job;
      slot.worker.ref();
      const transfer = 'data' in job.task ? [job.task.data.buffer as ArrayBuffer] : [];
      slot.worker.postMessage({ id: job.id, task: job.task }, transfer);
    }
    // More workers while jobs wait, up to the pool's size.
    const waiting = this.queue.length;
    const starting = this.workers.size - this.slots.length;
    if (!this.started || this.terminating || waiting <= starting) return;
    if (this.workers.size >= this.threads) return;
    this.spawn().catch((error: Error) => {
      // With no worker up, nothing would ever run the jobs: fail them.
      if (this.slots.length > 0) return;
      for (const job of this.queue.splice(0)) job.reject(error);
    });
  }

  private retireWhenIdle(slot: Slot): void {
    if (slot.idle !== undefined || this.terminating) return;
    slot.idle = setTimeout(() => {
      if (slot.job !== undefined || this.terminating) return;
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      void slot.worker.terminate();
    }, IDLE_WORKER_MS);
    slot.idle.unref();
  }
}
