import { PartBuffers } from '../../src/shelby/part-buffers';

describe('PartBuffers', () => {
  test('hands out at most `count` buffers; the next waits for one to come back', async () => {
    const pool = new PartBuffers(2, 1024);
    const a = await pool.acquire(1024);
    const b = await pool.acquire(10);
    expect(b.length).toBe(10);
    let third: Buffer | undefined;
    const waiting = pool.acquire(512).then((buffer) => (third = buffer));
    await new Promise((resolve) => setImmediate(resolve));
    expect(third).toBeUndefined();
    pool.release(b);
    await waiting;
    expect(third!.length).toBe(512);
    // The same memory, reused rather than allocated again.
    expect(third!.buffer).toBe(b.buffer);
    pool.release(a);
    pool.release(third!);
  });

  test('a part larger than the buffers gets memory of its own, outside the count', async () => {
    const pool = new PartBuffers(1, 16);
    const held = await pool.acquire(16);
    const big = await pool.acquire(64);
    expect(big.length).toBe(64);
    pool.release(big);
    // Releasing the outsider frees no slot: the only slot is still held.
    let got = false;
    const next = pool.acquire(8).then(() => (got = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(got).toBe(false);
    pool.release(held);
    await next;
    expect(got).toBe(true);
  });

  test('refuses a pool without buffers', () => {
    expect(() => new PartBuffers(0, 16)).toThrow(/count/);
  });
});
