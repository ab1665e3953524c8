import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';

/** Options for {@link withAccountLock}. */
export interface AccountLockOptions {
  client: Client;
  taskQueue: string;
  /** Shown in the Web UI on the lock workflow. */
  holder: string;
  /** Lease length; the work inside must finish well before it. */
  ttlMs: number;
  /** Called while waiting, so the caller can heartbeat. */
  onWait?: () => void;
  signal?: AbortSignal;
}

/** The workflow id that stands for "a transaction of this address is in flight". */
export function accountLockId(address: string): string {
  return `shelby-account-lock-${address.toLowerCase()}`;
}

/**
 * Runs `work` while holding the account's lease. The lease is a Temporal workflow whose id is
 * unique per account, so the exclusion holds across processes and machines; if the holder dies,
 * the lease lapses after `ttlMs`, by which time its transaction has either landed or expired.
 */
export async function withAccountLock<T>(
  address: string,
  options: AccountLockOptions,
  work: (deadline: number) => Promise<T>,
): Promise<T> {
  const workflowId = accountLockId(address);
  let delay = 50;
  for (;;) {
    options.signal?.throwIfAborted();
    const acquiredAt = Date.now();
    let handle;
    try {
      handle = await options.client.workflow.start('accountLockWorkflow', {
        workflowId,
        taskQueue: options.taskQueue,
        args: [{ holder: options.holder, ttlMs: options.ttlMs }],
        workflowIdConflictPolicy: 'FAIL',
        // The server ends the lease itself, even when no worker is left to run its timer.
        workflowExecutionTimeout: options.ttlMs,
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        staticSummary: `lease for ${address}: ${options.holder}`,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      options.onWait?.();
      await sleep(delay + Math.floor(Math.random() * delay));
      delay = Math.min(delay * 2, 1000);
      continue;
    }
    try {
      return await work(acquiredAt + options.ttlMs);
    } finally {
      await handle.signal('release').catch(() => undefined);
    }
  }
}
