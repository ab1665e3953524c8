import { randomBytes } from 'node:crypto';

import { gfMultiply, multiplyAccumulate } from '../../src/commitments/gf256';

describe('commitments GF(2^8) arithmetic', () => {
  it('reduces by 0x11d', () => {
    expect(gfMultiply(2, 0x80)).toBe(0x1d);
    expect(gfMultiply(0x53, 1)).toBe(0x53);
    expect(gfMultiply(0x53, 0)).toBe(0);
  });

  it('is a field: commutative, distributive over XOR, every non-zero element invertible', () => {
    const problems: string[] = [];
    for (let a = 1; a < 256; a++) {
      let inverses = 0;
      for (let b = 1; b < 256; b++) {
        if (gfMultiply(a, b) !== gfMultiply(b, a)) problems.push(`${a}·${b} is not commutative`);
        if (gfMultiply(a, b) === 1) inverses++;
        const c = (a * 7 + b) & 0xff;
        if (gfMultiply(a, b ^ c) !== (gfMultiply(a, b) ^ gfMultiply(a, c))) {
          problems.push(`${a}·(${b}^${c}) does not distribute`);
        }
      }
      if (inverses !== 1) problems.push(`${a} has ${inverses} inverses`);
    }
    expect(problems).toEqual([]);
  });

  it('multiply-accumulates only inside the given range', () => {
    const target = Uint8Array.from([1, 1, 1, 1]);
    const source = Uint8Array.from([9, 9, 3, 4, 5, 9]);
    multiplyAccumulate(target, source, 2, 2, 0, 3);
    expect([...target]).toEqual([1 ^ 6, 1 ^ 8, 1 ^ 10, 1]);
    multiplyAccumulate(target, source, 2, 1, 1, 2);
    expect([...target]).toEqual([1 ^ 6, 1 ^ 8 ^ 4, 1 ^ 10, 1]);
  });

  it('gives the same result word by word as byte by byte, aligned or not', () => {
    const source = new Uint8Array(randomBytes(4096 + 16));
    for (const [sourceShift, from, to, coefficient] of [
      [0, 0, 4096, 0x8e],
      [0, 3, 4093, 0x8e],
      [0, 5, 11, 1],
      [1, 0, 4096, 0x37],
      [4, 2, 999, 1],
      [0, 4, 6, 0xff],
    ]) {
      const view = source.subarray(sourceShift);
      const target = new Uint8Array(randomBytes(4096));
      const expected = Uint8Array.from(target);
      for (let j = from; j < to; j++) expected[j] ^= gfMultiply(coefficient, view[8 + j]);
      multiplyAccumulate(target, view, 8, coefficient, from, to);
      expect(Buffer.from(target).equals(Buffer.from(expected))).toBe(true);
    }
  });
});
