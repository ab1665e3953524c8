import { hash53, hashToUnit } from '../../src/accounts/hash';
import {
  type AccountView,
  INITIAL_STRATEGY_STATE,
  selectAccount,
  STRATEGIES,
  type StrategyName,
  type StrategyState,
} from '../../src/accounts/select';

function view(id: string, fields: Partial<AccountView> = {}): AccountView {
  return { id, weight: 1, inFlight: 0, available: true, ...fields };
}

/** Makes `count` choices in a row, threading the state, and returns the chosen ids. */
function run(
  strategy: StrategyName,
  accounts: readonly AccountView[],
  count: number,
  state: StrategyState = INITIAL_STRATEGY_STATE,
): string[] {
  const chosen: string[] = [];
  for (let i = 0; i < count; i++) {
    const selection = selectAccount(strategy, accounts, state, `file-${i}`);
    if (!selection) throw new Error('no account chosen');
    chosen.push(selection.accountId);
    state = selection.state;
  }
  return chosen;
}

const abc = [view('a'), view('b'), view('c')];

describe('round-robin', () => {
  it.each([
    ['cycles in config order', abc, 0, 7, ['a', 'b', 'c', 'a', 'b', 'c', 'a']],
    ['continues from a carried cursor', abc, 2, 3, ['c', 'a', 'b']],
    ['wraps a cursor beyond the list', abc, 4, 2, ['b', 'c']],
    ['recovers from a negative cursor', abc, -1, 2, ['c', 'a']],
    [
      'skips unavailable accounts',
      [view('a'), view('b', { available: false }), view('c')],
      0,
      4,
      ['a', 'c', 'a', 'c'],
    ],
    ['ignores load and balances', [view('a', { inFlight: 99 }), view('b')], 0, 2, ['a', 'b']],
  ])('%s', (_case, accounts, cursor, count, expected) => {
    expect(run('round-robin', accounts, count, { cursor })).toEqual(expected);
  });
});

describe('least-loaded', () => {
  it.each([
    [
      'picks the fewest files in flight',
      [view('a', { inFlight: 3 }), view('b', { inFlight: 1 }), view('c', { inFlight: 2 })],
      0,
      'b',
    ],
    ['breaks ties in config order from cursor 0', abc, 0, 'a'],
    ['breaks ties from the cursor on', abc, 2, 'c'],
    [
      'skips an idle but unavailable account',
      [view('a', { inFlight: 0, available: false }), view('b', { inFlight: 5 })],
      0,
      'b',
    ],
  ])('%s', (_case, accounts, cursor, expected) => {
    expect(selectAccount('least-loaded', accounts, { cursor }, 'k')?.accountId).toBe(expected);
  });

  it('rotates through equally loaded accounts as the cursor moves', () => {
    expect(run('least-loaded', abc, 4)).toEqual(['a', 'b', 'c', 'a']);
  });
});

describe('token-aware', () => {
  it.each([
    [
      'picks the most ShelbyUSD',
      [
        view('a', { shelbyusd: '10' }),
        view('b', { shelbyusd: '30' }),
        view('c', { shelbyusd: '20' }),
      ],
      'b',
    ],
    [
      'compares balances beyond 2^53 exactly',
      [
        view('a', { shelbyusd: '90071992547409930' }),
        view('b', { shelbyusd: '90071992547409931' }),
      ],
      'b',
    ],
    [
      'breaks a ShelbyUSD tie by APT',
      [
        view('a', { shelbyusd: '5', apt: '1' }),
        view('b', { shelbyusd: '5', apt: '9' }),
        view('c', { shelbyusd: '4', apt: '100' }),
      ],
      'b',
    ],
    [
      'breaks a full tie by order',
      [view('a', { shelbyusd: '5', apt: '5' }), view('b', { shelbyusd: '5', apt: '5' })],
      'a',
    ],
    ['ranks an unknown balance below zero', [view('a'), view('b', { shelbyusd: '0' })], 'b'],
    [
      'skips the richest account when it is unavailable',
      [view('a', { shelbyusd: '100', available: false }), view('b', { shelbyusd: '1' })],
      'b',
    ],
  ])('%s', (_case, accounts, expected) => {
    expect(selectAccount('token-aware', accounts, { cursor: 0 }, 'k')?.accountId).toBe(expected);
  });

  it('rotates through equally funded accounts', () => {
    const funded = abc.map((entry) => ({ ...entry, shelbyusd: '7' }));
    expect(run('token-aware', funded, 4)).toEqual(['a', 'b', 'c', 'a']);
  });
});

describe('weighted-random', () => {
  const weighted = [view('a', { weight: 3 }), view('b', { weight: 2 }), view('c', { weight: 1 })];

  it('gives the same account for the same file key, whatever the state', () => {
    for (let i = 0; i < 50; i++) {
      const first = selectAccount('weighted-random', weighted, { cursor: 0 }, `key-${i}`);
      const again = selectAccount('weighted-random', weighted, { cursor: 7 }, `key-${i}`);
      expect(again?.accountId).toBe(first?.accountId);
      expect(again?.state).toEqual({ cursor: 7 });
    }
  });

  it('spreads many files in proportion to the weights', () => {
    const total = 30_000;
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < total; i++) {
      const chosen = selectAccount(
        'weighted-random',
        weighted,
        INITIAL_STRATEGY_STATE,
        `dir/${i}.bin`,
      );
      counts[chosen!.accountId]++;
    }
    expect(counts.a / total).toBeCloseTo(3 / 6, 1);
    expect(counts.b / total).toBeCloseTo(2 / 6, 1);
    expect(counts.c / total).toBeCloseTo(1 / 6, 1);
    // Tighter than toBeCloseTo's 0.05: within 1.5 percentage points of the expected share.
    expect(Math.abs(counts.a / total - 0.5)).toBeLessThan(0.015);
    expect(Math.abs(counts.b / total - 1 / 3)).toBeLessThan(0.015);
    expect(Math.abs(counts.c / total - 1 / 6)).toBeLessThan(0.015);
  });

  it('moves only the files of an unavailable account, keeping the others relative weights', () => {
    const withoutB = weighted.map((entry) =>
      entry.id === 'b' ? { ...entry, available: false } : entry,
    );
    const total = 15_000;
    let moved = 0;
    let kept = true;
    const counts: Record<string, number> = { a: 0, c: 0 };
    for (let i = 0; i < total; i++) {
      const before = selectAccount('weighted-random', weighted, INITIAL_STRATEGY_STATE, `f${i}`)!;
      const after = selectAccount('weighted-random', withoutB, INITIAL_STRATEGY_STATE, `f${i}`)!;
      if (before.accountId === 'b') moved++;
      else if (after.accountId !== before.accountId) kept = false;
      counts[after.accountId]++;
    }
    expect(kept).toBe(true);
    expect(Object.keys(counts)).toEqual(['a', 'c']);
    expect(moved / total).toBeCloseTo(2 / 6, 1);
    expect(counts.a / (counts.a + counts.c)).toBeCloseTo(3 / 4, 1);
  });
});

describe('selectAccount', () => {
  it.each(STRATEGIES.map((strategy) => [strategy]))(
    '%s returns undefined when no account is available',
    (strategy) => {
      expect(selectAccount(strategy, [], INITIAL_STRATEGY_STATE, 'k')).toBeUndefined();
      const none = abc.map((entry) => ({ ...entry, available: false }));
      expect(selectAccount(strategy, none, INITIAL_STRATEGY_STATE, 'k')).toBeUndefined();
    },
  );

  it.each(STRATEGIES.map((strategy) => [strategy]))(
    '%s never picks an account with no weight',
    (strategy) => {
      const accounts = [view('a', { weight: 0, shelbyusd: '100' }), view('b', { shelbyusd: '1' })];
      expect(run(strategy, accounts, 3)).toEqual(['b', 'b', 'b']);
    },
  );

  it.each(STRATEGIES.map((strategy) => [strategy]))(
    '%s is a pure function: same inputs, same answer, inputs untouched',
    (strategy) => {
      const accounts = Object.freeze(abc.map((entry) => Object.freeze({ ...entry })));
      const state = Object.freeze({ cursor: 1 });
      const first = selectAccount(strategy, accounts, state, 'same');
      expect(selectAccount(strategy, accounts, state, 'same')).toEqual(first);
      expect(state).toEqual({ cursor: 1 });
    },
  );

  it('lists the four strategies', () => {
    expect(STRATEGIES).toEqual(['round-robin', 'least-loaded', 'token-aware', 'weighted-random']);
  });

  it('rejects an unknown strategy name', () => {
    expect(() =>
      selectAccount('fastest' as StrategyName, abc, INITIAL_STRATEGY_STATE, 'k'),
    ).toThrow(/unknown account strategy "fastest"/);
  });
});

describe('hash53', () => {
  it('is stable across runs (pinned values)', () => {
    expect(hash53('')).toBe(3338908027751811);
    expect(hash53('a')).toBe(7929297801672961);
    expect(hash53('photos/2024/cat.jpg')).toBe(hash53('photos/2024/cat.jpg'));
  });

  it('maps into (0, 1)', () => {
    for (const text of ['', 'a', 'b', 'x'.repeat(1000)]) {
      expect(hashToUnit(text)).toBeGreaterThan(0);
      expect(hashToUnit(text)).toBeLessThan(1);
    }
  });
});
