import { setTimeout as sleep } from 'node:timers/promises';

import { classifyError } from './errors';

/** Tries of one read before its error goes up (to the group's own retry). */
const READ_ATTEMPTS = 5;

/**
 * Runs a read of the chain or the indexer (a view, a transaction lookup, a balance) again after
 * a transient or ambiguous failure (a 5xx, a 429, a dropped connection), with a short backoff.
 * Reads change nothing, so trying again is always safe; without this, one 503 among the dozens
 * of reads a group makes would send the whole group back to the start.
 */
export async function retryRead<T>(read: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read();
    } catch (error) {
      const { class: kind, type } = classifyError(error);
      // A 404 is an answer (no such transaction yet), not a failure.
      const retry = (kind === 'transient' || kind === 'ambiguous') && type !== 'Http404';
      if (!retry || attempt >= READ_ATTEMPTS) throw error;
      signal?.throwIfAborted();
      const backoff = Math.min(250 * 2 ** (attempt - 1), 3000);
      await sleep(backoff / 2 + Math.random() * (backoff / 2), undefined, { signal });
    }
  }
}
