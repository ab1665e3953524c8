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
});
