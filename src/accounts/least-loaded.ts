import { availableFromCursor, cursorAfter } from './order';
import type { AccountView, Selection, StrategyState } from './types';

/**
 * Chooses the available account with the fewest files in flight, so a slow account (long
 * registrations, retries) gets less new work. Ties go to the first tied account from the cursor
 * on, and the cursor moves past it, so idle accounts are used in turn.
 *
 * @returns undefined when no account is available
 */
export function leastLoaded(
  accounts: readonly AccountView[],
  state: StrategyState,
): Selection | undefined {
  let best: number | undefined;
  for (const index of availableFromCursor(accounts, state.cursor)) {
    if (best === undefined || accounts[index].inFlight < accounts[best].inFlight) best = index;
  }
  if (best === undefined) return undefined;
  return { accountId: accounts[best].id, state: { cursor: cursorAfter(best, accounts.length) } };
}
