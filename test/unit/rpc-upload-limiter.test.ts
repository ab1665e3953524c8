import { AimdLimiter } from '../../src/shelby/aimd-limiter';
import { parseRetryAfter } from '../../src/shelby/retry-after';

describe('AimdLimiter', () => {
  test('lets at most `limit` requests through and queues the rest', async () => {
    const limiter = new AimdLimiter({ initial: 2 });
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    let third = false;
    const c = limiter.acquire().then((permit) => {
      third = true;
      return permit;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(third).toBe(false);
    a.release();
    (await c).release();
    expect(third).toBe(true);
    b.release();
    expect(limiter.inFlight).toBe(0);
  });

  test('halves once for 429s to requests sent together, down to the floor', async () => {
    const limiter = new AimdLimiter({ initial: 8 });
    const burst = await Promise.all([1, 2, 3, 4].map(() => limiter.acquire()));
    for (const permit of burst) {
      permit.rateLimited();
      permit.release();
    }
    expect(limiter.limit).toBe(4);
    for (const expected of [2, 1, 1]) {
      const permit = await limiter.acquire();
      permit.rateLimited();
      permit.release();
      expect(limiter.limit).toBe(expected);
    }
  });

  test('grows by one after as many successes in a row as the limit', async () => {
    const limiter = new AimdLimiter({ initial: 2, max: 3 });
    for (let i = 0; i < 2; i += 1) {
      const permit = await limiter.acquire();
      permit.succeeded();
      permit.release();
    }
    expect(limiter.limit).toBe(3);
    for (let i = 0; i < 6; i += 1) {
      const permit = await limiter.acquire();
      permit.succeeded();
      permit.release();
    }
    expect(limiter.limit).toBe(3);
  });

  test('holds new requests back until Retry-After has passed', async () => {
    const limiter = new AimdLimiter({ initial: 4 });
    const first = await limiter.acquire();
    first.rateLimited(300);
    first.release();
    const started = Date.now();
    (await limiter.acquire()).release();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  test('an aborted wait leaves the queue', async () => {
    const limiter = new AimdLimiter({ initial: 1 });
    const held = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    held.release();
    expect(limiter.inFlight).toBe(0);
    (await limiter.acquire()).release();
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');

  test.each([
    ['5', 5000],
    [' 0 ', 0],
    ['1.5', 1500],
    ['Fri, 04 Dec 2026 12:00:07 GMT', 7000],
    ['Fri, 04 Dec 2026 11:59:00 GMT', 0],
  ])('reads %p as %p ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  test.each([[null], [undefined], [''], ['soon'], ['-3']])('ignores %p', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});
