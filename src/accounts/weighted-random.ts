import { hashToUnit } from './hash';
import { isSelectable } from './order';
import type { AccountView, Selection, StrategyState } from './types';

/**
 * Chooses an account at random in proportion to its weight, where "random" is a hash of the file
 * key: the same file always lands on the same account (so a retried or replayed choice agrees with
 * the first), and over many files each account's share matches its weight.
 *
 * Uses weighted rendezvous hashing: every account draws a score from hash(file key, account id)
 * and the highest score wins. Taking an account out (unavailable, exhausted) only moves the files
 * that account would have had; they spread over the others in proportion to their weights, and
 * every other file keeps its account.
 *
 * The cursor is not used and is returned unchanged.
 *
 * @returns undefined when no account is available
 */
export function weightedRandom(
  accounts: readonly AccountView[],
  state: StrategyState,
  fileKey: string,
): Selection | undefined {
  let bestId: string | undefined;
  let bestScore = -Infinity;
  for (const account of accounts) {
    if (!isSelectable(account)) continue;
    const score = -account.weight / Math.log(hashToUnit(`${fileKey}\u0000${account.id}`));
    if (score > bestScore) {
      bestScore = score;
      bestId = account.id;
    }
  }
  if (bestId === undefined) return undefined;
  return { accountId: bestId, state: { cursor: state.cursor } };
}
