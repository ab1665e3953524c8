import { condition, defineSignal, setHandler } from '@temporalio/workflow';

/** Ends the lease early; the holder sends it once its transaction has settled. */
export const releaseSignal = defineSignal('release');

export interface AccountLockInput {
  /** Who holds the lease (batch id and file index), for the Web UI. */
  holder: string;
  /** The lease ends by itself after this long, so a dead holder cannot keep the account. */
  ttlMs: number;
}

/**
 * A lease on one paying account. Its workflow id is derived from the account id and starting it
 * fails while a run is open, so at most one transaction per account is in flight across every
 * batch and worker process.
 */
export async function accountLockWorkflow(input: AccountLockInput): Promise<void> {
  let released = false;
  setHandler(releaseSignal, () => {
    released = true;
  });
  await condition(() => released, input.ttlMs);
}
