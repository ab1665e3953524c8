import * as crypto from 'node:crypto';

/** Bytes in one Merkle leaf of a chunk: 1024 leaves make up a 1 MiB chunk. */
export const LEAF_SIZE = 1024;

/** Tree depth of a chunk's Merkle tree (2^10 = 1024 leaves, so no padding ever applies). */
export const CHUNK_TREE_DEPTH = 10;

const hashOnce: (data: Uint8Array) => Buffer =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'buffer')
    : (data) => crypto.createHash('sha256').update(data).digest();

/** SHA-256 of `data` (crypto.hash where available: it skips the Hash object). */
export function sha256(data: Uint8Array): Uint8Array {
  return hashOnce(data);
}

const pair = new Uint8Array(64);

/** SHA-256(left ‖ right): an inner node, with no prefix or domain separation. */
export function hashPair(left: Uint8Array, right: Uint8Array): Uint8Array {
  pair.set(left, 0);
  pair.set(right, 32);
  return hashOnce(pair);
}

/**
 * `ZERO_SUBTREE[k]` is the root of a subtree of 2^k all-zero leaves, so the untouched parts of
 * a mostly empty chunk cost nothing to hash. `ZERO_SUBTREE[10]` is the root of an all-zero chunk.
 */
export const ZERO_SUBTREE: readonly Uint8Array[] = (() => {
  const levels = [sha256(new Uint8Array(LEAF_SIZE))];
  for (let k = 1; k <= CHUNK_TREE_DEPTH; k++) levels.push(hashPair(levels[k - 1], levels[k - 1]));
  return levels;
})();

/**
 * Root of a 1024-leaf chunk tree given only its possibly non-zero leaves, as sorted leaf indices
 * and their hashes; every other leaf is taken as all-zero.
 */
export function sparseChunkRoot(
  indices: readonly number[],
  hashes: readonly Uint8Array[],
): Uint8Array {
  const node = (level: number, start: number, from: number, to: number): Uint8Array => {
    if (from === to) return ZERO_SUBTREE[level];
    if (level === 0) return hashes[from];
    const middle = start + (1 << (level - 1));
    let split = from;
    while (split < to && indices[split] < middle) split++;
    return hashPair(node(level - 1, start, from, split), node(level - 1, middle, split, to));
  };
  return node(CHUNK_TREE_DEPTH, 0, 0, indices.length);
}

/** Root of a full 1 MiB chunk: every leaf hashed, then the tree reduced level by level. */
export function denseChunkRoot(chunk: Uint8Array): Uint8Array {
  let level: Uint8Array[] = new Array<Uint8Array>(chunk.byteLength / LEAF_SIZE);
  for (let i = 0; i < level.length; i++) {
    level[i] = hashOnce(chunk.subarray(i * LEAF_SIZE, (i + 1) * LEAF_SIZE));
  }
  while (level.length > 1) {
    const next = new Array<Uint8Array>(level.length / 2);
    for (let i = 0; i < next.length; i++) next[i] = hashPair(level[2 * i], level[2 * i + 1]);
    level = next;
  }
  return level[0];
}

const ZERO_NODE = new Uint8Array(32);

/**
 * The SDK's generateMerkleRoot over 32-byte nodes: SHA-256(left ‖ right), an odd level padded
 * with 32 zero bytes (not a zero-subtree hash), and a single node is its own root.
 */
export function paddedMerkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) throw new Error('A Merkle root needs at least one leaf.');
  let level = leaves.slice();
  while (level.length > 1) {
    if (level.length % 2 !== 0) level.push(ZERO_NODE);
    const next = new Array<Uint8Array>(level.length / 2);
    for (let i = 0; i < next.length; i++) next[i] = hashPair(level[2 * i], level[2 * i + 1]);
    level = next;
  }
  return level[0];
}

/** '0x' + lowercase hex, the SDK's (Aptos Hex) spelling of a hash. */
export function toHex(bytes: Uint8Array): string {
  return '0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Parses '0x' + hex into bytes. */
export function fromHex(hex: string): Uint8Array {
  return Buffer.from(hex.startsWith('0x') ? hex.slice(2) : hex, 'hex');
}
