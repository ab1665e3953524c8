import { availableFromCursor, cursorAfter } from './order';
import type { AccountView, Selection, StrategyState } from './types';

/**
 * Chooses the available account with the most ShelbyUSD (storage is paid in it), then the most
 * APT (gas), so the batch drains the richest account first and a poor one is spared. An unknown
 * balance ranks below any known one. Ties go to the first tied account from the cursor on, and the
 * cursor moves past it, so equally funded accounts are used in turn.
 *
 * @returns undefined when no account is available
 */
export function tokenAware(
  accounts: readonly AccountView[],
  state: StrategyState,
): Selection | undefined {
  let best: number | undefined;
  for (const index of availableFromCursor(accounts, state.cursor)) {
    if (best === undefined || compareFunds(accounts[index], accounts[best]) > 0) best = index;
  }
  if (best === undefined) return undefined;
  return { accountId: accounts[best].id, state: { cursor: cursorAfter(best, accounts.length) } };
}

function compareFunds(a: AccountView, b: AccountView): number {
  return compareAmount(a.shelbyusd, b.shelbyusd) || compareAmount(a.apt, b.apt);
}

function compareAmount(a: string | undefined, b: string | undefined): number {
  const left = toAmount(a);
  const right = toAmount(b);
  return left === right ? 0 : left > right ? 1 : -1;
}

// Balances arrive as decimal strings because they may exceed 2^53; anything unreadable counts as
// unknown, which sorts below zero.
function toAmount(value: string | undefined): bigint {
  if (value === undefined || !/^\d+$/.test(value)) return -1n;
  return BigInt(value);
}
