/**
 * A seeded random source (mulberry32), so a crash-trial run repeats its choices (tree contents,
 * kill counts, kill moments, fault draws) from `--seed`.
 */
'use strict';

/**
 * @param {number} seed a 32-bit integer
 */
function createRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    /** A float in [0, 1). */
    next,
    /** An integer in [min, max], both included. */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    /** One element of a non-empty list. */
    pick: (list) => list[Math.floor(next() * list.length)],
    /** `n` pseudo-random bytes. */
    bytes(n) {
      const out = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i += 4) {
        const word = (next() * 4294967296) >>> 0;
        for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
      }
      return out;
    },
    /** A new generator drawn from this one, so adding draws to one trial does not shift the next. */
    fork: () => createRandom((next() * 4294967296) >>> 0),
  };
}

module.exports = { createRandom };
