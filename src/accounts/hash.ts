/**
 * A 53-bit, non-cryptographic string hash (cyrb53) with good avalanche, written in plain
 * JavaScript so it runs unchanged in Temporal's workflow sandbox and gives the same value on every
 * machine and every replay.
 *
 * @returns an integer in [0, 2^53)
 */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Maps a string to a number strictly between 0 and 1, uniformly. */
export function hashToUnit(text: string): number {
  return (hash53(text) + 0.5) / 9007199254740992;
}
