import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { byteChunksets, fileChunksets } from '../../src/commitments/chunkset-reader';
import { FileChangedError } from '../../src/commitments/errors';

const MiB = 1024 * 1024;

async function lengths(iterable: AsyncIterable<Uint8Array>): Promise<number[]> {
  const result: number[] = [];
  for await (const chunkset of iterable) result.push(chunkset.byteLength);
  return result;
}

describe('commitments chunkset reader', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'commitments-reader-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, size: number): string => {
    const target = path.join(dir, name);
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4099) bytes[i] = (i >> 12) & 0xff;
    fs.writeFileSync(target, bytes);
    return target;
  };

  it('reads a file one 10 MiB chunkset at a time, with the bytes of the file', async () => {
    const target = file('multi.bin', 21 * MiB + 3);
    expect(await lengths(fileChunksets(target, 21 * MiB + 3))).toEqual([
      10 * MiB,
      10 * MiB,
      MiB + 3,
    ]);
    const whole = fs.readFileSync(target);
    const parts: Buffer[] = [];
    for await (const chunkset of fileChunksets(target, whole.length))
      parts.push(Buffer.from(chunkset));
    expect(Buffer.concat(parts).equals(whole)).toBe(true);
  });

  it('yields one empty chunkset for an empty file, as the SDK commits an empty blob', async () => {
    expect(await lengths(fileChunksets(file('empty.bin', 0), 0))).toEqual([0]);
    expect([...byteChunksets(new Uint8Array(0))].map((c) => c.byteLength)).toEqual([0]);
  });

  it('reports a file that shrank since planning as FileChanged', async () => {
    const target = file('shrunk.bin', 10 * MiB + 10);
    const error = await lengths(fileChunksets(target, 10 * MiB + 11)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileChangedError);
    expect((error as FileChangedError).name).toBe('FileChanged');
    expect((error as FileChangedError).actualSize).toBe(10 * MiB + 10);
    expect((error as Error).message).toMatch(/shrank .* plan the batch again/);
  });

  it('reports a file that grew since planning as FileChanged, before its last chunkset', async () => {
    const target = file('grown.bin', 100);
    const seen: number[] = [];
    const error = await (async () => {
      for await (const chunkset of fileChunksets(target, 99)) seen.push(chunkset.byteLength);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileChangedError);
    expect((error as Error).message).toMatch(/grew/);
    expect(seen).toEqual([]);
  });

  it('copies bytes in memory into separate chunksets without touching the input', () => {
    const bytes = new Uint8Array(10 * MiB + 1).fill(7);
    const chunksets = [...byteChunksets(bytes)];
    expect(chunksets.map((c) => c.byteLength)).toEqual([10 * MiB, 1]);
    expect(chunksets.every((c) => c.byteOffset === 0 && c.buffer !== bytes.buffer)).toBe(true);
  });

  it('copies a Buffer too, whose slice() would only be a view', () => {
    const bytes = Buffer.alloc(100, 1);
    const [chunkset] = [...byteChunksets(bytes)];
    expect(chunkset.buffer).not.toBe(bytes.buffer);
    expect(chunkset.buffer.byteLength).toBe(100);
  });
});
