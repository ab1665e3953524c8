import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { batchPaths } from '../../src/batch/paths';
import {
  type ManifestEntry,
  type ManifestSummary,
  ManifestWriter,
  readManifestPage,
  readSummary,
  type SkipReason,
} from '../../src/manifest/manifest';
import { InvalidPrefix, SourceNotFound } from '../../src/planning/errors';
import { planBatch, type PlanBatchOptions } from '../../src/planning/plan';
import { currentReader, permitsReading } from '../../src/planning/readable';
import { planRetry } from '../../src/planning/retry';
import { ResultsStore } from '../../src/report/results';
import { walkSource, type WalkItem, type WalkOptions } from '../../src/planning/walk';

const isRoot = process.getuid?.() === 0;

let root: string;
let manifestDir: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-test-'));
  manifestDir = path.join(root, '.manifest');
});
afterEach(() => {
  // Restore permissions so the folder can be removed.
  execFileSync('chmod', ['-R', 'u+rwx', root]);
  fs.rmSync(root, { recursive: true, force: true });
});

function write(relative: string, content = 'x'): string {
  const file = path.join(root, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

async function plan(options: Partial<PlanBatchOptions> & { sources: string[] }) {
  const summary = await planBatch({ prefix: '', manifestDir, cwd: root, ...options });
  const entries: ManifestEntry[] = [];
  for (let page = 0; page < summary.pages; page++) {
    entries.push(...(await readManifestPage(manifestDir, page)));
  }
  return { summary, entries, byName: new Map(entries.map((entry) => [entry.name, entry])) };
}

/**
 * Runs planBatch in a child process as the unprivileged user "nobody" (the test runs as root
 * otherwise, and root reads through permission bits). The TypeScript sources are compiled on load
 * with swc, as jest does.
 */
function planAsNobody(options: PlanBatchOptions) {
  fs.chmodSync(root, 0o777);
  const script = `
    const fs = require('node:fs');
    const swc = require(${JSON.stringify(require.resolve('@swc/core'))});
    require.extensions['.ts'] = (module, filename) => {
      const source = fs.readFileSync(filename, 'utf8');
      const { code } = swc.transformSync(source, {
        filename,
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      });
      module._compile(code, filename);
    };
    const { planBatch } = require(${JSON.stringify(path.resolve(__dirname, '../../src/planning/plan.ts'))});
    process.setgid(65534);
    process.setuid(65534);
    planBatch(${JSON.stringify(options)}).then((summary) => console.log(JSON.stringify(summary)));
  `;
  const output = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return JSON.parse(output) as ManifestSummary;
}

describe('planBatch', () => {
  it('names folder contents by relative path and a file source by its base name', async () => {
    write('src/a.txt', 'aaa');
    write('src/sub/b.txt', 'bb');
    write('single.bin', 'z');
    const { summary, entries } = await plan({ sources: ['src', 'single.bin'], prefix: 'p/' });
    expect(entries.map((entry) => entry.name)).toEqual(['p/a.txt', 'p/sub/b.txt', 'p/single.bin']);
    expect(entries.map((entry) => entry.index)).toEqual([0, 1, 2]);
    expect(entries[0]).toMatchObject({ path: path.join(root, 'src', 'a.txt'), size: 3 });
    expect(entries[0].mtimeMs).toBe(fs.statSync(path.join(root, 'src', 'a.txt')).mtimeMs);
    expect(summary).toMatchObject({ files: 3, uploadable: 3, skipped: 0, bytes: 6 });
  });

  it('orders entries by name within each folder, entering folders where they sort', async () => {
    for (const name of ['c', 'a', 'b/2', 'b/1', 'B', 'a.d/x']) write(`t/${name}`);
    const { entries } = await plan({ sources: ['t'] });
    expect(entries.map((entry) => entry.name)).toEqual(['B', 'a', 'a.d/x', 'b/1', 'b/2', 'c']);
  });

  it('includes a zero-byte file as uploadable', async () => {
    write('z/empty', '');
    write('z/a', 'hi\n');
    const { byName, summary } = await plan({ sources: ['z'], prefix: 'b01/' });
    expect(byName.get('b01/empty')).toMatchObject({ size: 0 });
    expect(byName.get('b01/empty')?.skip).toBeUndefined();
    expect(summary.uploadable).toBe(2);
  });

  it('throws SourceNotFound before writing anything', async () => {
    write('ok/a');
    const attempt = plan({ sources: ['ok', 'missing', 'also/missing'] });
    await expect(attempt).rejects.toBeInstanceOf(SourceNotFound);
    await expect(attempt).rejects.toMatchObject({
      name: 'SourceNotFound',
      sources: ['missing', 'also/missing'],
    });
    expect(fs.existsSync(manifestDir)).toBe(false);
  });

  it('throws InvalidPrefix before writing anything', async () => {
    write('ok/a');
    await expect(plan({ sources: ['ok'], prefix: 'x'.repeat(1024) })).rejects.toBeInstanceOf(
      InvalidPrefix,
    );
    expect(fs.existsSync(manifestDir)).toBe(false);
  });

  describe('symlinks', () => {
    // The tree of case B04: a loop back to the root and a link out of the tree.
    beforeEach(() => {
      write('s/sub/a', 'a');
      fs.symlinkSync('..', path.join(root, 's/sub/up'));
      write('outside/secret', 'nope');
      fs.symlinkSync(path.join(root, 'outside/secret'), path.join(root, 's/out'));
      fs.symlinkSync('sub/a', path.join(root, 's/alias'));
      fs.symlinkSync('missing', path.join(root, 's/broken'));
    });

    it('are not followed by default and are listed as skipped with their target', async () => {
      const { byName, summary } = await plan({ sources: ['s'] });
      expect(byName.get('sub/up')?.skip).toEqual({ reason: 'symlink', detail: '..' });
      expect(byName.get('out')?.skip).toEqual({
        reason: 'symlink',
        detail: path.join(root, 'outside/secret'),
      });
      expect(byName.get('alias')?.skip).toEqual({ reason: 'symlink', detail: 'sub/a' });
      expect(summary).toMatchObject({
        files: 5,
        uploadable: 1,
        skipped: 4,
        unstorable: 0,
        bytes: 1,
      });
    });

    it('when followed, stop at loops, refuse targets outside the source and skip broken links', async () => {
      const { byName, summary } = await plan({ sources: ['s'], followSymlinks: true });
      expect(byName.get('alias')).toMatchObject({ path: path.join(root, 's/alias'), size: 1 });
      expect(byName.get('alias')?.skip).toBeUndefined();
      expect(byName.get('sub/up')?.skip).toMatchObject({ reason: 'symlink' });
      expect(byName.get('sub/up')?.skip?.detail).toMatch(/loop/);
      expect(byName.get('out')?.skip?.detail).toMatch(/outside the source/);
      expect(byName.get('broken')?.skip?.detail).toMatch(/broken link/);
      expect([...byName.keys()].some((name) => name.includes('up/'))).toBe(false);
      expect(summary).toMatchObject({ uploadable: 2, skipped: 3 });
    });

    it('when followed, walk a linked folder inside the source under the link name', async () => {
      fs.symlinkSync('sub', path.join(root, 's/latest'));
      const { byName } = await plan({ sources: ['s'], followSymlinks: true });
      expect(byName.get('latest/a')).toMatchObject({ path: path.join(root, 's/latest/a') });
      expect(byName.get('latest/a')?.skip).toBeUndefined();
      expect(byName.get('latest/up')?.skip?.detail).toMatch(/loop/);
    });

    it('follow a symlink given as the source itself', async () => {
      fs.symlinkSync(path.join(root, 's'), path.join(root, 'link-to-s'));
      const { byName } = await plan({ sources: ['link-to-s'] });
      expect(byName.get('sub/a')?.skip).toBeUndefined();
    });
  });

  it('skips unreadable files and folders and goes on', async () => {
    write('p/ok', 'ok\n');
    write('p/locked', 'no\n');
    write('p/d/inner', 'x');
    fs.chmodSync(path.join(root, 'p/locked'), 0o000);
    fs.chmodSync(path.join(root, 'p/d'), 0o000);
    const options = { sources: ['p'], prefix: 'b05/', manifestDir, cwd: root };
    // Permission bits do not stop root, so as root the planner runs as an unprivileged user.
    const summary = isRoot ? planAsNobody(options) : await planBatch(options);
    const entries = await readManifestPage(manifestDir, 0);
    const byName = new Map(entries.map((entry) => [entry.name, entry]));
    expect(byName.get('b05/ok')?.skip).toBeUndefined();
    expect(byName.get('b05/locked')?.skip).toEqual({
      reason: 'unreadable',
      detail: 'cannot open for reading: EACCES',
    });
    expect(byName.get('b05/d')?.skip).toEqual({
      reason: 'unreadable',
      detail: 'cannot list the folder: EACCES',
    });
    expect(summary).toMatchObject({ files: 3, uploadable: 1, skipped: 2, unstorable: 2, bytes: 3 });
  });

  it('plans a file given twice once, and counts the repeat as skipped, not failed', async () => {
    write('twice/a.txt', 'a');
    const { entries, summary } = await plan({ sources: ['twice/a.txt', 'twice/a.txt'] });
    expect(entries.map((entry) => [entry.name, entry.skip?.reason])).toEqual([
      ['a.txt', undefined],
      ['a.txt', 'same-file'],
    ]);
    expect(summary).toMatchObject({ uploadable: 1, skipped: 1, unstorable: 0 });
  });

  it('reports names that are not valid UTF-8 as invalid names, files and folders alike', async () => {
    write('n/ok.txt', 'ok');
    write('n/\uFFFDreal.txt', 'a real U+FFFD in a valid name');
    const bad = Buffer.concat([Buffer.from(path.join(root, 'n/bad')), Buffer.from([0xff, 0xfe])]);
    fs.writeFileSync(Buffer.concat([bad, Buffer.from('.bin')]), 'x');
    fs.mkdirSync(Buffer.concat([bad, Buffer.from('-dir')]));
    const { entries, summary } = await plan({ sources: ['n'] });
    const skips = entries.map((entry) => [entry.name, entry.skip?.reason]);
    expect(skips).toEqual(
      expect.arrayContaining([
        ['ok.txt', undefined],
        ['\uFFFDreal.txt', undefined],
        ['bad\uFFFD\uFFFD.bin', 'invalid-name'],
        ['bad\uFFFD\uFFFD-dir', 'invalid-name'],
      ]),
    );
    expect(entries.find((e) => e.name === 'bad\uFFFD\uFFFD.bin')?.skip?.detail).toMatch(
      /not valid UTF-8/,
    );
    expect(summary).toMatchObject({ files: 4, uploadable: 2, skipped: 2, unstorable: 2 });
  });

  it('reports entries of a folder it can list but not search as unreadable', async () => {
    write('q/a', 'a');
    write('q/b', 'b');
    fs.chmodSync(path.join(root, 'q'), 0o444);
    const options = { sources: ['q'], prefix: '', manifestDir, cwd: root };
    const summary = isRoot ? planAsNobody(options) : await planBatch(options);
    const entries = await readManifestPage(manifestDir, 0);
    expect(entries.map((entry) => [entry.name, entry.skip])).toEqual([
      ['a', { reason: 'unreadable', detail: 'EACCES' }],
      ['b', { reason: 'unreadable', detail: 'EACCES' }],
    ]);
    expect(summary).toMatchObject({ files: 2, uploadable: 0, skipped: 2 });
  });

  it('finds the same entries in the same order with synchronous and asynchronous stats', async () => {
    for (let d = 0; d < 5; d++)
      for (let f = 0; f < 200; f++) write(`m/${d}/sub/${f}`, 'x'.repeat(f));
    write('m/top', 'top');
    fs.symlinkSync('top', path.join(root, 'm/link'));
    fs.symlinkSync('..', path.join(root, 'm/0/up'));
    execFileSync('mkfifo', [path.join(root, 'm/1/pipe')]);
    const walk = async (options: WalkOptions) => {
      const items: WalkItem[] = [];
      for await (const item of walkSource(path.join(root, 'm'), options)) items.push(item);
      return items;
    };
    for (const followSymlinks of [false, true]) {
      const auto = await walk({ followSymlinks });
      expect(auto).toHaveLength(5 * 200 + 4);
      expect(await walk({ followSymlinks, statMode: 'async', statConcurrency: 7 })).toEqual(auto);
      expect(await walk({ followSymlinks, statConcurrency: 3 })).toEqual(auto);
      // Judged slow from the start: synchronous first, asynchronous after 512 entries.
      expect(await walk({ followSymlinks, statConcurrency: 5, slowStatMs: -1 })).toEqual(auto);
    }
  });

  it('skips FIFOs as not regular', async () => {
    write('f/a');
    execFileSync('mkfifo', [path.join(root, 'f/pipe')]);
    const { byName } = await plan({ sources: ['f'] });
    expect(byName.get('pipe')?.skip).toEqual({
      reason: 'not-regular',
      detail: 'named pipe (FIFO)',
    });
    expect(byName.get('a')?.skip).toBeUndefined();
  });

  it('skips over-long names and accepts a 240-byte CJK name', async () => {
    const deep = Array.from({ length: 12 }, () => 'd'.repeat(90)).join('/');
    write(`l/${deep}/f`);
    const cjk = '漢'.repeat(80);
    write(`l2/${cjk}`);
    const { entries, byName } = await plan({ sources: ['l', 'l2'], prefix: 'b08/' });
    const long = entries.find((entry) => entry.path.endsWith('/f'));
    expect(long?.skip?.reason).toBe('invalid-name');
    expect(long?.skip?.detail).toMatch(/1097 characters .*at most 1024/);
    expect(byName.get(`b08/${cjk}`)?.skip).toBeUndefined();
    expect(Buffer.byteLength(`b08/${cjk}`)).toBe(244);
  });

  it('reports NFC collisions and collisions between sources, naming the other file', async () => {
    const nfd = 'cafe\u0301.txt';
    const nfc = 'caf\u00e9.txt';
    write(`u/${nfd}`, '1');
    write(`u/${nfc}`, '22');
    write('v/other.txt');
    write('w/other.txt');
    const { entries, summary } = await plan({ sources: ['u', 'v', 'w'] });
    const named = entries.filter((entry) => entry.name === nfc);
    expect(named).toHaveLength(2);
    expect(named[0].skip).toBeUndefined();
    expect(named[1].skip).toEqual({
      reason: 'duplicate-name',
      detail: `same blob name as ${named[0].path}`,
    });
    const others = entries.filter((entry) => entry.name === 'other.txt');
    expect(others[1].skip).toEqual({
      reason: 'duplicate-name',
      detail: `same blob name as ${path.join(root, 'v/other.txt')}`,
    });
    expect(summary).toMatchObject({ uploadable: 2, skipped: 2, unstorable: 2 });
  });

  it('plans a 20,000-file tree quickly with stable indexes across runs', async () => {
    const script =
      'for d in $(seq 0 19); do mkdir -p h/$d && (cd h/$d && seq 0 999 | xargs touch); done';
    execFileSync('sh', ['-c', script], { cwd: root });
    let progressCalls = 0;
    const started = Date.now();
    const { summary } = await plan({
      sources: ['h'],
      prefix: 'b09/',
      onProgress: () => progressCalls++,
    });
    const elapsed = Date.now() - started;
    expect(summary).toMatchObject({ files: 20_000, uploadable: 20_000, pages: 40, pageSize: 500 });
    expect(progressCalls).toBe(20);
    expect(elapsed).toBeLessThan(30_000);
    const firstPage = await readManifestPage(manifestDir, 0);
    const again = await planBatch({ sources: ['h'], prefix: 'b09/', manifestDir, cwd: root });
    expect(again).toEqual(summary);
    expect(await readManifestPage(manifestDir, 0)).toEqual(firstPage);
    expect(await readSummary(manifestDir)).toEqual(summary);
  });
});

describe('permitsReading', () => {
  const stats = (uid: number, gid: number, mode: number) => ({ uid, gid, mode }) as fs.Stats;
  const reader = { uid: 1000, groups: new Set([1000, 27]) };

  it('reads the owner, group or other bits that apply to the reader, in that order', () => {
    expect(permitsReading(stats(1000, 1, 0o400), reader)).toBe(true);
    expect(permitsReading(stats(1000, 1000, 0o044), reader)).toBe(false);
    expect(permitsReading(stats(1, 27, 0o040), reader)).toBe(true);
    expect(permitsReading(stats(1, 27, 0o604), reader)).toBe(false);
    expect(permitsReading(stats(1, 2, 0o004), reader)).toBe(true);
    expect(permitsReading(stats(1, 2, 0o660), reader)).toBe(false);
  });

  it('lets everything through when permission bits do not apply', () => {
    expect(permitsReading(stats(1, 2, 0o000), undefined)).toBe(true);
    if (isRoot) expect(currentReader()).toBeUndefined();
  });
});

describe('planRetry', () => {
  let stateDir: string;
  const batchId = 'batch-20300101-000000-aaaa';

  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-retry-'));
  });
  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  it('plans what the earlier batch did not store, walking folders it could not list', async () => {
    const tree = fs.mkdtempSync(path.join(stateDir, 'tree-'));
    const file = (name: string, content = 'x') => {
      fs.mkdirSync(path.dirname(path.join(tree, name)), { recursive: true });
      fs.writeFileSync(path.join(tree, name), content);
      return path.join(tree, name);
    };
    const entry = (name: string, file: string, skip?: { reason: SkipReason; detail: string }) => ({
      path: file,
      name,
      size: fs.statSync(file).size,
      mtimeMs: 0,
      ...(skip ? { skip } : {}),
    });
    file('d/inner/deep.txt', 'deep');
    const paths = batchPaths(stateDir, batchId);
    const writer = new ManifestWriter(paths.manifest, 3);
    await writer.add(entry('p/ok', file('ok')));
    await writer.add(entry('p/failed', file('failed', 'ff')));
    await writer.add(entry('p/pending', file('pending')));
    await writer.add(entry('p/link', file('link'), { reason: 'symlink', detail: 'ok' }));
    await writer.add(
      entry('p/d', path.join(tree, 'd'), { reason: 'unreadable', detail: 'EACCES' }),
    );
    await writer.add(entry('p/locked', file('locked'), { reason: 'unreadable', detail: 'EACCES' }));
    await writer.close();
    const results = new ResultsStore(paths.results, 3);
    const result = (index: number, name: string, status: 'uploaded' | 'failed') => ({
      index,
      name,
      status,
      path: path.join(tree, name.slice(2)),
      size: 1,
    });
    await results.append([result(0, 'p/ok', 'uploaded'), result(1, 'p/failed', 'failed')]);

    const manifestDir = path.join(stateDir, 'retry');
    const summary = await planRetry(stateDir, batchId, manifestDir);
    const entries = await readManifestPage(manifestDir, 0);
    expect(entries.map((e) => [e.name, e.path, e.skip])).toEqual([
      ['p/failed', path.join(tree, 'failed'), undefined],
      ['p/pending', path.join(tree, 'pending'), undefined],
      ['p/d/inner/deep.txt', path.join(tree, 'd/inner/deep.txt'), undefined],
      ['p/locked', path.join(tree, 'locked'), undefined],
    ]);
    expect(entries[0]).toMatchObject({
      size: 2,
      mtimeMs: fs.statSync(path.join(tree, 'failed')).mtimeMs,
    });
    expect(summary).toMatchObject({ files: 4, uploadable: 4 });
  });

  it('reports a file that is gone since as unreadable', async () => {
    const paths = batchPaths(stateDir, batchId);
    const writer = new ManifestWriter(paths.manifest);
    const gone = path.join(stateDir, 'gone.txt');
    await writer.add({ path: gone, name: 'gone.txt', size: 1, mtimeMs: 0 });
    await writer.close();
    const manifestDir = path.join(stateDir, 'retry');
    await planRetry(stateDir, batchId, manifestDir);
    expect(await readManifestPage(manifestDir, 0)).toEqual([
      expect.objectContaining({
        name: 'gone.txt',
        skip: { reason: 'unreadable', detail: 'ENOENT' },
      }),
    ]);
  });
});
