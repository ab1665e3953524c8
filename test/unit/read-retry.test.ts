import { classifyError } from '../../src/shelby/errors';
import { retryRead } from '../../src/shelby/read-retry';

const unavailable = (): Error =>
  new Error(
    'Request to [Fullnode]: POST http://127.0.0.1:1/v1/view failed with status: Service Unavailable(code:503)',
  );
const notFound = (): Error =>
  new Error(
    'Request to [Fullnode]: GET http://127.0.0.1:1/v1/transactions/by_hash/0x1 failed with status: Not Found(code:404)',
  );

describe('retryRead', () => {
  test('reads again after a 503 and returns the answer', async () => {
    let calls = 0;
    const value = await retryRead(async () => {
      calls += 1;
      if (calls < 3) throw unavailable();
      return 'ok';
    });
    expect([value, calls]).toEqual(['ok', 3]);
  });

  test('gives up after five tries with the last error', async () => {
    let calls = 0;
    await expect(
      retryRead(async () => {
        calls += 1;
        throw unavailable();
      }),
    ).rejects.toThrow(/code:503/);
    expect(calls).toBe(5);
  });

  test('a 404 or a permanent error goes up at once', async () => {
    for (const error of [notFound(), new Error('Move abort: E_INVALID_ARGUMENT')]) {
      let calls = 0;
      await expect(
        retryRead(async () => {
          calls += 1;
          throw error;
        }),
      ).rejects.toBe(error);
      expect(calls).toBe(1);
    }
  });
});

describe('classifyError', () => {
  test('reads the status of an Aptos API error', () => {
    expect(classifyError(unavailable())).toMatchObject({ class: 'ambiguous', type: 'Http503' });
    expect(classifyError(notFound())).toMatchObject({ class: 'transient', type: 'Http404' });
  });
});
