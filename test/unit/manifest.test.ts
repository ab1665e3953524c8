import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  type ManifestEntry,
  ManifestError,
  ManifestWriter,
  pageFileName,
  readManifestEntries,
  readManifestPage,
  readSummary,
} from '../../src/manifest/manifest';

function file(i: number, skipped = false): Omit<ManifestEntry, 'index'> {
  return {
    path: `/data/f${i}`,
    name: `p/f${i}`,
    size: i,
    mtimeMs: 1000 + i,
    ...(skipped ? { skip: { reason: 'unreadable' as const, detail: 'EACCES' } } : {}),
  };
}

describe('manifest', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-test-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes pages of JSON lines and a summary of the totals', async () => {
    const writer = new ManifestWriter(dir, 4);
    for (let i = 0; i < 10; i++) expect(await writer.add(file(i, i === 3))).toBe(i);
    const summary = await writer.close();
    expect(summary).toEqual({
      files: 10,
      uploadable: 9,
      skipped: 1,
      unstorable: 1,
      bytes: 45 - 3,
      pages: 3,
      pageSize: 4,
    });
    expect(await readSummary(dir)).toEqual(summary);
    expect(fs.readdirSync(dir).sort()).toEqual([
      'page-000000.jsonl',
      'page-000001.jsonl',
      'page-000002.jsonl',
      'summary.json',
    ]);
    const lines = fs
      .readFileSync(path.join(dir, pageFileName(0)), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[3])).toEqual({ index: 3, ...file(3, true) });
    expect((await readManifestPage(dir, 2)).map((entry) => entry.index)).toEqual([8, 9]);
  });

  it('gives indexes in call order even when calls are not awaited', async () => {
    const writer = new ManifestWriter(dir, 3);
    const indexes = await Promise.all(Array.from({ length: 8 }, (_, i) => writer.add(file(i))));
    expect(indexes).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await writer.close();
    const entries = await readManifestEntries(dir, [7, 0, 4]);
    expect(entries.map((entry) => entry.name)).toEqual(['p/f7', 'p/f0', 'p/f4']);
  });

  it('reads only the pages holding the requested entries', async () => {
    const writer = new ManifestWriter(dir, 2);
    for (let i = 0; i < 6; i++) await writer.add(file(i));
    await writer.close();
    fs.rmSync(path.join(dir, pageFileName(1)));
    expect((await readManifestEntries(dir, [5, 0, 1])).map((entry) => entry.index)).toEqual([
      5, 0, 1,
    ]);
    await expect(readManifestEntries(dir, [2])).rejects.toThrow(ManifestError);
  });

  it('writes an empty manifest with no pages', async () => {
    const summary = await new ManifestWriter(dir).close();
    expect(summary).toEqual({
      files: 0,
      uploadable: 0,
      skipped: 0,
      unstorable: 0,
      bytes: 0,
      pages: 0,
      pageSize: 500,
    });
    expect(await readManifestEntries(dir, [])).toEqual([]);
  });

  it('has no summary until closed, so an interrupted plan never looks complete', async () => {
    const writer = new ManifestWriter(dir, 2);
    for (let i = 0; i < 5; i++) await writer.add(file(i));
    await writer.flush();
    expect(fs.existsSync(path.join(dir, pageFileName(1)))).toBe(true);
    expect(await readSummary(dir)).toBeUndefined();
    await expect(readManifestEntries(dir, [0])).rejects.toThrow(/incomplete/);
    await writer.close();
    expect((await readSummary(dir))?.files).toBe(5);
  });

  it('replaces an earlier manifest in the same folder, summary first', async () => {
    const first = new ManifestWriter(dir, 2);
    for (let i = 0; i < 9; i++) await first.add(file(i));
    await first.close();
    const second = new ManifestWriter(dir, 2);
    await second.add(file(100));
    expect(await readSummary(dir)).toBeUndefined();
    expect(fs.readdirSync(dir)).toEqual([]);
    await second.close();
    expect(fs.readdirSync(dir).sort()).toEqual(['page-000000.jsonl', 'summary.json']);
    expect((await readManifestPage(dir, 0))[0].name).toBe('p/f100');
  });

  it('leaves no temporary files behind', async () => {
    const writer = new ManifestWriter(dir, 1);
    for (let i = 0; i < 3; i++) await writer.add(file(i));
    await writer.close();
    expect(fs.readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('looks up entries already added, in memory or on disk', async () => {
    const writer = new ManifestWriter(dir, 2);
    for (let i = 0; i < 5; i++) await writer.add(file(i));
    expect((await writer.lookup(1))?.name).toBe('p/f1');
    expect((await writer.lookup(4))?.name).toBe('p/f4');
    await writer.close();
  });

  it('refuses additions after close and reports bad indexes', async () => {
    const writer = new ManifestWriter(dir, 2);
    await writer.add(file(0));
    await writer.close();
    await expect(writer.add(file(1))).rejects.toThrow(ManifestError);
    await expect(readManifestEntries(dir, [1])).rejects.toThrow(/out of range/);
    await expect(readManifestEntries(dir, [-1])).rejects.toThrow(/out of range/);
  });

  it('reports a missing or damaged manifest as a ManifestError', async () => {
    expect(await readSummary(path.join(dir, 'none'))).toBeUndefined();
    await expect(readManifestPage(dir, 0)).rejects.toThrow(/plan the batch again/);
    fs.writeFileSync(path.join(dir, pageFileName(0)), '{"index":0}\n{broken\n');
    await expect(readManifestPage(dir, 0)).rejects.toThrow(/damaged/);
    fs.writeFileSync(path.join(dir, 'summary.json'), '{');
    await expect(readSummary(dir)).rejects.toThrow(ManifestError);
  });

  it('keeps adding while full pages are written, and waits when too many are', async () => {
    const writer = new ManifestWriter(dir, 1);
    await writer.add(file(0));
    // Pages fill faster than they are written: after a few, the writer asks the caller to wait.
    let waited = false;
    for (let i = 1; i < 50 && !waited; i++) {
      writer.append(file(i));
      const wait = writer.backpressure();
      if (wait) {
        waited = true;
        await wait;
      }
    }
    expect(waited).toBe(true);
    const summary = await writer.close();
    expect((await readManifestEntries(dir, [summary.files - 1]))[0].index).toBe(summary.files - 1);
  });

  it('reports a page that cannot be written from the next call', async () => {
    const writer = new ManifestWriter(dir, 1);
    await writer.add(file(0));
    await writer.flush();
    fs.rmSync(dir, { recursive: true });
    fs.writeFileSync(dir, 'not a folder');
    writer.append(file(1));
    await expect(writer.flush()).rejects.toThrow();
    await expect(writer.add(file(2))).rejects.toThrow();
    await expect(writer.close()).rejects.toThrow();
    fs.rmSync(dir);
    fs.mkdirSync(dir);
  });

  it('refuses a page size below 1', () => {
    expect(() => new ManifestWriter(dir, 0)).toThrow(RangeError);
  });
});
