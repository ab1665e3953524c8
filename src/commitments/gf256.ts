/**
 * The Clay code's field, GF(2^8) reduced by x^8 + x^4 + x^3 + x^2 + 1 (0x11d): the only
 * polynomial of the 128 candidates under which the installed encoder is linear.
 */
export const GF_POLYNOMIAL = 0x11d;

/**
 * Full multiplication table: `MUL[a * 256 + b] = a·b`. 64 KiB, built once per thread, so a
 * multiply-accumulate over a sub-chunk is one lookup and one XOR per byte.
 */
export const MUL: Uint8Array = buildMultiplicationTable();

function buildMultiplicationTable(): Uint8Array {
  const exp = new Uint8Array(512);
  const log = new Uint8Array(256);
  let x = 1;
  for (let i = 0; i < 255; i++) {
    exp[i] = x;
    log[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= GF_POLYNOMIAL;
  }
  for (let i = 255; i < 512; i++) exp[i] = exp[i - 255];

  const table = new Uint8Array(256 * 256);
  for (let a = 1; a < 256; a++) {
    for (let b = 1; b < 256; b++) table[a * 256 + b] = exp[log[a] + log[b]];
  }
  return table;
}

/** a·b in the field. */
export function gfMultiply(a: number, b: number): number {
  return MUL[(a << 8) | b];
}

/**
 * `target[j] ^= c·source[j]` for j in [from, to): adds a scaled data sub-chunk into a parity
 * sub-chunk. Coefficient 1 skips the lookup, which matters because many responses are plain
 * copies.
 */
export function multiplyAccumulate(
  target: Uint8Array,
  source: Uint8Array,
  sourceOffset: number,
  coefficient: number,
  from: number,
  to: number,
): void {
  if (coefficient === 1) {
    for (let j = from; j < to; j++) target[j] ^= source[sourceOffset + j];
    return;
  }
  const row = coefficient << 8;
  for (let j = from; j < to; j++) target[j] ^= MUL[row | source[sourceOffset + j]];
}
