import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  CHUNK_SIZE,
  CHUNKSET_SIZE,
  DATA_CHUNKS,
  TOTAL_CHUNKS,
} from '../../src/commitments/constants';
import { multiplyAccumulate } from '../../src/commitments/gf256';
import { denseChunkRoot, paddedMerkleRoot } from '../../src/commitments/merkle';
import {
  deriveResponseTable,
  loadOrDeriveResponseTable,
  parseResponseTable,
  responseTablePath,
  ResponseTableError,
  serializeResponseTable,
  SUB_CHUNK_SIZE,
} from '../../src/commitments/response-table';
import { findSupport, tablePathCost, tablePathRoots } from '../../src/commitments/table-path';

const WASM = 'ab'.repeat(32);

/**
 * A stand-in for the Clay encoder with the same shape (systematic, per byte position, linear
 * over GF(2^8)): parity sub-chunk t is the sum of three scaled data sub-chunks chosen from t.
 */
function sources(t: number): [number, number][] {
  return [0, 1, 2].map((j) => [(t * 7 + j * 911) % 2560, 1 + ((t * 31 + j * 17) % 255)]);
}

function fakeEncode(chunkset: Uint8Array): Uint8Array[] {
  const chunks = Array.from({ length: DATA_CHUNKS }, (_, i) =>
    chunkset.slice(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE),
  );
  for (let p = 0; p < TOTAL_CHUNKS - DATA_CHUNKS; p++) {
    const chunk = new Uint8Array(CHUNK_SIZE);
    for (let s = 0; s < 256; s++) {
      const target = chunk.subarray(s * SUB_CHUNK_SIZE, (s + 1) * SUB_CHUNK_SIZE);
      for (const [q, c] of sources(p * 256 + s)) {
        multiplyAccumulate(target, chunkset, q * SUB_CHUNK_SIZE, c, 0, SUB_CHUNK_SIZE);
      }
    }
    chunks.push(chunk);
  }
  return chunks;
}

function denseRoots(data: Uint8Array) {
  const padded = new Uint8Array(CHUNKSET_SIZE);
  padded.set(data);
  const chunkRoots = fakeEncode(padded).map(denseChunkRoot);
  return { chunkRoots, chunksetRoot: paddedMerkleRoot(chunkRoots) };
}

describe('commitments response table and table path', () => {
  const table = deriveResponseTable(fakeEncode, WASM);

  it('derives every coefficient from one impulse encode', () => {
    expect(table.targets.length).toBe(1536 * 3);
    const q = sources(1000)[1][0];
    const entries = [...Array(table.offsets[q + 1] - table.offsets[q]).keys()].map((e) => [
      table.targets[table.offsets[q] + e],
      table.coefficients[table.offsets[q] + e],
    ]);
    expect(entries).toContainEqual([1000, sources(1000)[1][1]]);
  });

  it('refuses an encoder that mixes byte positions or is not systematic', () => {
    const leaky = (chunkset: Uint8Array) => {
      const chunks = fakeEncode(chunkset);
      chunks[12][5 * SUB_CHUNK_SIZE + 3000] = 1;
      return chunks;
    };
    expect(() => deriveResponseTable(leaky, WASM)).toThrow(/mixes byte positions/);
    const altered = (chunkset: Uint8Array) => {
      const chunks = fakeEncode(chunkset);
      chunks[2] = new Uint8Array(CHUNK_SIZE);
      return chunks;
    };
    expect(() => deriveResponseTable(altered, WASM)).toThrow(ResponseTableError);
  });

  it('round-trips through its file format and rejects a damaged file', () => {
    const file = serializeResponseTable(table);
    expect(parseResponseTable(file)).toEqual(table);
    const damaged = Buffer.from(file);
    damaged[100] ^= 1;
    expect(() => parseResponseTable(damaged)).toThrow(/corrupt/);
    expect(() => parseResponseTable(file.subarray(0, 50))).toThrow(ResponseTableError);
  });

  it('caches the table under the wasm hash and replaces a corrupt cache file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'commitments-table-'));
    try {
      let encodes = 0;
      const counting = (chunkset: Uint8Array) => (encodes++, fakeEncode(chunkset));
      await loadOrDeriveResponseTable(dir, WASM, counting);
      await loadOrDeriveResponseTable(dir, WASM, counting);
      expect(encodes).toBe(1);
      fs.writeFileSync(responseTablePath(dir, WASM), 'not a table');
      expect(await loadOrDeriveResponseTable(dir, WASM, counting)).toEqual(table);
      expect(encodes).toBe(2);
      expect(fs.readdirSync(dir)).toEqual([path.basename(responseTablePath(dir, WASM))]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds exactly the non-zero data sub-chunks and their extents', () => {
    const data = new Uint8Array(3 * SUB_CHUNK_SIZE + 10);
    data[5] = 1;
    data[SUB_CHUNK_SIZE * 2 + 7] = 2;
    data[SUB_CHUNK_SIZE * 2 + 4000] = 3;
    data[SUB_CHUNK_SIZE * 3 + 9] = 4;
    const support = findSupport(data);
    expect(support).toEqual({ subChunks: [0, 2, 3], from: [5, 7, 9], to: [6, 4001, 10] });
    expect(tablePathCost(support, table)).toBeGreaterThan(0);
    // An unaligned view takes the byte-by-byte scan.
    expect(findSupport(data.subarray(1))).toEqual({
      subChunks: [0, 2, 3],
      from: [4, 6, 8],
      to: [5, 4000, 9],
    });
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['one byte', Uint8Array.from([0x5a])],
    ['1500 random bytes', randomBytes(1500)],
    ['a partial sub-chunk', randomBytes(SUB_CHUNK_SIZE + 77)],
    [
      'a zero run in the middle',
      Buffer.concat([randomBytes(5000), Buffer.alloc(20_000), randomBytes(3)]),
    ],
    ['100 KiB random', randomBytes(100 * 1024)],
    [
      'sparse across the chunkset',
      (() => {
        const data = new Uint8Array(CHUNKSET_SIZE - 1);
        for (let i = 3; i < data.length; i += 65_537) data[i] = 1 + (i % 255);
        return data;
      })(),
    ],
  ])('matches a dense encode and hash: %s', (_name, data) => {
    const support = findSupport(data);
    expect(tablePathRoots(data, support, table)).toEqual(denseRoots(data));
  });
});
