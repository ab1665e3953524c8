import { createBatchWorker, installRuntimeLogging } from '../worker/worker';
import { connectNative } from '../temporal/connection';
import type { CliContext } from './context';

/**
 * Runs a batch worker in this process until `until` settles (or forever when it never does),
 * shutting down cleanly on Ctrl-C: activities in flight get a grace period, and whatever is left
 * is picked up by the next worker from Temporal's history.
 */
export async function runWorkerUntil<T>(
  ctx: CliContext,
  until: (stop: () => void) => Promise<T>,
): Promise<T> {
  installRuntimeLogging(ctx.config.stateDir);
  // Listening before the worker exists: a Ctrl-C while it starts is an interruption too, and
  // stops the worker as soon as it runs (the Temporal runtime is told not to listen itself).
  let interrupted = false;
  let batchWorker: Awaited<ReturnType<typeof createBatchWorker>> | undefined;
  const stop = (): void => {
    if (batchWorker?.worker.getState() === 'RUNNING') batchWorker.worker.shutdown();
  };
  const onSignal = (): void => {
    interrupted = true;
    process.stderr.write(
      '\nstopping the worker; unfinished batches stay in Temporal and resume with any worker\n',
    );
    stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let connection: Awaited<ReturnType<typeof connectNative>>;
  try {
    connection = await connectNative(ctx.settings);
    batchWorker = await createBatchWorker({
      config: ctx.config,
      connection,
      client: ctx.client,
      endpoints: ctx.endpoints,
    });
  } catch (error) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    throw error;
  }
  const running = batchWorker.worker.run();
  if (interrupted) stop();
  try {
    const outcome = await Promise.race([
      until(stop).then((value) => ({ value })),
      running.then(() => ({ stopped: true as const })),
    ]);
    if ('stopped' in outcome) {
      const message = interrupted
        ? 'interrupted; the batch goes on with the next worker (`shelby-batch start` or `resume`)'
        : 'the worker stopped';
      throw Object.assign(new Error(message), { interrupted });
    }
    return outcome.value;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    stop();
    await running;
    await batchWorker.shutdown();
    await connection.close();
  }
}
