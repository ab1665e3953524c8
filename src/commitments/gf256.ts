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
 * `target[j] ^= c·source[sourceOffset + j]` for j in [from, to): adds a scaled data sub-chunk
 * into a parity sub-chunk. When both sides are 4-byte aligned, the aligned middle goes a 32-bit
 * word at a time (four lookups, one load, one store), about twice as fast as byte by byte; each
 * byte keeps its lane, so the result does not depend on endianness. Coefficient 1 is a plain XOR.
 */
export function multiplyAccumulate(
  target: Uint8Array,
  source: Uint8Array,
  sourceOffset: number,
  coefficient: number,
  from: number,
  to: number,
): void {
  const row = MUL.subarray(coefficient << 8, (coefficient << 8) + 256);
  const base = source.byteOffset + sourceOffset;
  let j = from;
  if (base % 4 === 0 && target.byteOffset % 4 === 0 && to - from >= 8) {
    const start = (from + 3) & ~3;
    const end = to & ~3;
    for (; j < start; j++) target[j] ^= row[source[sourceOffset + j]];
    const words = new Uint32Array(source.buffer, base + start, (end - start) >> 2);
    const out = new Uint32Array(target.buffer, target.byteOffset + start, (end - start) >> 2);
    if (coefficient === 1) {
      for (let w = 0; w < words.length; w++) out[w] ^= words[w];
    } else {
      for (let w = 0; w < words.length; w++) {
        const x = words[w];
        out[w] ^=
          row[x & 255] |
          (row[(x >>> 8) & 255] << 8) |
          (row[(x >>> 16) & 255] << 16) |
          (row[x >>> 24] << 24);
      }
    }
    j = end;
  }
  for (; j < to; j++) target[j] ^= row[source[sourceOffset + j]];
}
