import { availableFromCursor, cursorAfter } from './order';
import type { AccountView, Selection, StrategyState } from './types';

/**
 * Chooses the next available account after the previous choice, in config order, so files are
 * spread evenly whatever their sizes.
 *
 * @returns undefined when no account is available
 */
export function roundRobin(
  accounts: readonly AccountView[],
  state: StrategyState,
): Selection | undefined {
  const [index] = availableFromCursor(accounts, state.cursor);
  if (index === undefined) return undefined;
  return { accountId: accounts[index].id, state: { cursor: cursorAfter(index, accounts.length) } };
}
