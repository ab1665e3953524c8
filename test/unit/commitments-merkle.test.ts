import { createHash, randomBytes } from 'node:crypto';

import {
  CHUNK_TREE_DEPTH,
  denseChunkRoot,
  fromHex,
  LEAF_SIZE,
  paddedMerkleRoot,
  sparseChunkRoot,
  toHex,
  ZERO_SUBTREE,
} from '../../src/commitments/merkle';

const sha = (...parts: Uint8Array[]): Uint8Array =>
  createHash('sha256').update(Buffer.concat(parts)).digest();

describe('commitments Merkle trees', () => {
  it('pads an odd level with 32 zero bytes, as the SDK does', () => {
    const [a, b, c] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const zero = new Uint8Array(32);
    expect(paddedMerkleRoot([a])).toEqual(a);
    expect(paddedMerkleRoot([a, b])).toEqual(sha(a, b));
    expect(paddedMerkleRoot([a, b, c])).toEqual(sha(sha(a, b), sha(c, zero)));
    expect(paddedMerkleRoot([a, b, c, a, b])).toEqual(
      sha(sha(sha(a, b), sha(c, a)), sha(sha(b, zero), zero)),
    );
  });

  it('refuses an empty list of leaves', () => {
    expect(() => paddedMerkleRoot([])).toThrow(/at least one leaf/);
  });

  it('roots an all-zero chunk at the precomputed zero subtree', () => {
    expect(denseChunkRoot(new Uint8Array(1024 * LEAF_SIZE))).toEqual(
      ZERO_SUBTREE[CHUNK_TREE_DEPTH],
    );
    expect(ZERO_SUBTREE[0]).toEqual(sha(new Uint8Array(LEAF_SIZE)));
  });

  it('gives the same root from the non-zero leaves alone as from the whole chunk', () => {
    for (const leaves of [[0], [1023], [3, 4, 5, 700], [0, 1, 2, 3, 512, 1022, 1023]]) {
      const chunk = new Uint8Array(1024 * LEAF_SIZE);
      for (const leaf of leaves) chunk.set(randomBytes(LEAF_SIZE), leaf * LEAF_SIZE);
      const hashes = leaves.map((leaf) =>
        sha(chunk.subarray(leaf * LEAF_SIZE, (leaf + 1) * LEAF_SIZE)),
      );
      expect(sparseChunkRoot(leaves, hashes)).toEqual(denseChunkRoot(chunk));
    }
    expect(sparseChunkRoot([], [])).toEqual(ZERO_SUBTREE[CHUNK_TREE_DEPTH]);
  });

  it('spells hashes as 0x and lowercase hex, and reads them back', () => {
    const bytes = Uint8Array.from([0, 1, 0xab, 0xff]);
    expect(toHex(bytes)).toBe('0x0001abff');
    expect(fromHex('0x0001abff')).toEqual(Buffer.from(bytes));
    expect(toHex(new Uint8Array(8).subarray(2, 4))).toBe('0x0000');
  });
});
