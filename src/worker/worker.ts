import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type LogEntry,
} from '@temporalio/worker';
import { createActivities } from '../activities';
import { createCommitmentsEngine, type CommitmentsEngine } from '../commitments/engine';
import type { Config } from '../config/schema';
import { KeyStore } from '../config/keys';
import { createShelbyClient, type ShelbyClient, type ShelbyEndpoints } from '../shelby/client';
import { networkPricing, type Pricing } from '../shelby/pricing';
import { AccountLoad } from '../accounts/load';

/** Everything a worker process needs; built by the CLI from the config. */
export interface WorkerOptions {
  config: Config;
  connection: NativeConnection;
  client: Client;
  endpoints: ShelbyEndpoints;
}

/** A running batch worker and what it owns. */
export interface BatchWorker {
  worker: Worker;
  /** Stops polling, lets activities in flight finish (30 s grace), and frees the encoder pool. */
  shutdown(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * Routes the Temporal runtime's logs (workflows, activities, the SDK itself) to one JSON line per
 * event in `<state>/logs/worker.log`; only errors reach the terminal.
 */
export function installRuntimeLogging(stateDir: string): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const dir = path.join(stateDir, 'logs');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'worker.log');
  let logFailing = false;
  const logger = new DefaultLogger('INFO', (entry: LogEntry) => {
    const line = JSON.stringify({
      time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
      level: entry.level,
      pid: process.pid,
      message: entry.message,
      ...entry.meta,
    });
    try {
      fs.appendFileSync(file, line + '\n');
      logFailing = false;
    } catch (error) {
      // A full or unwritable disk must not stop the uploads: say so once, then keep going.
      if (!logFailing) {
        process.stderr.write(`cannot write ${file}: ${(error as Error).message}\n`);
      }
      logFailing = true;
    }
    if (entry.level === 'ERROR') process.stderr.write(`${entry.message}\n`);
  });
  Runtime.install({
    logger,
    telemetryOptions: { logging: { forward: {}, filter: 'WARN' } },
    // The CLI answers Ctrl-C itself (src/cli/run-worker.ts) and shuts its worker down once it
    // exists; the runtime shutting down on the same signal raced a worker still being created.
    shutdownSignals: [],
  });
}

/** Creates the worker that runs batches: workflows and activities on the configured task queue. */
export async function createBatchWorker(options: WorkerOptions): Promise<BatchWorker> {
  const { config } = options;
  const keys = KeyStore.fromConfig(config);
  let shelby: Promise<ShelbyClient> | undefined;
  let engine: Promise<CommitmentsEngine> | undefined;
  let pricing: Promise<Pricing | undefined> | undefined;
  const load = new AccountLoad(config.stateDir);
  const activities = createActivities({
    stateDir: config.stateDir,
    keys,
    shelby: () => (shelby ??= createShelbyClient(options.endpoints)),
    commitments: () =>
      (engine ??= createCommitmentsEngine({ cacheDir: path.join(config.stateDir, 'cache') })),
    pricing: () =>
      (pricing ??= networkPricing(
        options.endpoints,
        config.network.name === 'local' ? config.network.localnet.pricing : undefined,
      )),
    load,
    client: options.client,
    taskQueue: config.temporal.taskQueue,
  });
  const bundle = path.join(__dirname, '..', 'workflow-bundle.js');
  const worker = await Worker.create({
    connection: options.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(fs.existsSync(bundle)
      ? { workflowBundle: { codePath: bundle } }
      : { workflowsPath: require.resolve('../workflows') }),
    activities,
    maxConcurrentActivityTaskExecutions: config.global_limits.max_parallel_uploads + 4,
    maxCachedWorkflows: 100,
    shutdownGraceTime: '30s',
  });
  return {
    worker,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      load.close();
      if (engine) await (await engine).close();
    },
  };
}
