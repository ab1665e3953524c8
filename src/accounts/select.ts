import { leastLoaded } from './least-loaded';
import { roundRobin } from './round-robin';
import { tokenAware } from './token-aware';
import type { AccountView, Selection, StrategyName, StrategyState } from './types';
import { weightedRandom } from './weighted-random';

export { STRATEGIES } from './types';
export type { AccountView, Selection, StrategyName, StrategyState } from './types';

/** The state a batch starts with. */
export const INITIAL_STRATEGY_STATE: StrategyState = { cursor: 0 };

/**
 * Chooses the account that pays for one file. A pure function of its arguments, safe to call from
 * workflow code: the same strategy, accounts, state and file key always give the same answer.
 *
 * @param strategy how to choose (see each strategy's own file)
 * @param accounts every configured account in config order, with `available` false for those
 *   that must not be chosen
 * @param state the state returned by the previous choice, or {@link INITIAL_STRATEGY_STATE}
 * @param fileKey a stable key for the file (e.g. its blob name), used by `weighted-random`
 * @returns the account and the next state, or undefined when no account is available
 */
export function selectAccount(
  strategy: StrategyName,
  accounts: readonly AccountView[],
  state: StrategyState,
  fileKey: string,
): Selection | undefined {
  switch (strategy) {
    case 'round-robin':
      return roundRobin(accounts, state);
    case 'least-loaded':
      return leastLoaded(accounts, state);
    case 'token-aware':
      return tokenAware(accounts, state);
    case 'weighted-random':
      return weightedRandom(accounts, state, fileKey);
    default:
      throw new TypeError(`unknown account strategy ${JSON.stringify(strategy)}`);
  }
}
