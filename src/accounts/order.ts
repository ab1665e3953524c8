import type { AccountView } from './types';

/**
 * Indexes of the available accounts, starting at the cursor and wrapping around, so that a
 * strategy breaking ties by "the first one" rotates through tied accounts as the cursor moves.
 */
export function availableFromCursor(accounts: readonly AccountView[], cursor: number): number[] {
  const count = accounts.length;
  if (count === 0) return [];
  const start = normaliseCursor(cursor, count);
  const order: number[] = [];
  for (let step = 0; step < count; step++) {
    const index = (start + step) % count;
    if (isSelectable(accounts[index])) order.push(index);
  }
  return order;
}

/** Whether an account may be chosen at all. */
export function isSelectable(account: AccountView): boolean {
  return account.available && account.weight > 0;
}

/** The cursor after choosing the account at `index`: the search starts at the next one. */
export function cursorAfter(index: number, count: number): number {
  return (index + 1) % count;
}

// A cursor from an older run may be out of range (accounts were removed from the config) or not
// a whole number (hand-edited state); either way it must still point at a real account.
function normaliseCursor(cursor: number, count: number): number {
  if (!Number.isFinite(cursor)) return 0;
  const whole = Math.trunc(cursor);
  return ((whole % count) + count) % count;
}
