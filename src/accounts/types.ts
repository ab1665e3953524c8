/** The ways a batch can choose which account pays for a file. */
export type StrategyName = 'round-robin' | 'least-loaded' | 'token-aware' | 'weighted-random';

/** Every strategy, in the order the CLI lists them. */
export const STRATEGIES: readonly StrategyName[] = [
  'round-robin',
  'least-loaded',
  'token-aware',
  'weighted-random',
];

/**
 * What a strategy may know about one account when it chooses. Built by the workflow from its own
 * state and from balances fetched by an activity, so the choice stays deterministic on replay.
 */
export interface AccountView {
  /** The account id from the config. */
  id: string;
  /** Relative share for `weighted-random`; other strategies ignore it. Zero or less excludes. */
  weight: number;
  /** Files this account is currently paying for (registrations in flight or queued). */
  inFlight: number;
  /** ShelbyUSD balance in base units, as a decimal string because it may exceed 2^53. */
  shelbyusd?: string;
  /** APT balance in octas, as a decimal string. */
  apt?: string;
  /** False when the account must not be chosen (exhausted, paused, excluded by the user). */
  available: boolean;
}

/**
 * The little a strategy remembers between choices. Plain JSON so it can be carried across
 * continue-as-new.
 */
export interface StrategyState {
  /** Index, in config order, where the next search for an account starts. */
  cursor: number;
}

/** The outcome of a choice: the paying account and the state to use for the next choice. */
export interface Selection {
  accountId: string;
  state: StrategyState;
}
