import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

import {
  CLI,
  createSandbox,
  localnetGet,
  runCli,
  writeTree,
  type CliRun,
  type Sandbox,
} from '../helpers/cli';

/**
 * The planning-side cases (B01, B04, B05, B08, B09) of the inputs that broke other bulk
 * uploaders, each through the CLI on the localnet, asserting on what a user sees: the report, the
 * exit code, the chain.
 */

const MINUTES = 60_000;
// Each upload is a whole batch; on a loaded machine that takes a while.
jest.setTimeout(10 * MINUTES);
const PLANNER = path.join(__dirname, '..', '..', 'dist', 'planning', 'plan.js');
const isRoot = process.getuid?.() === 0;
/** The unprivileged user the B05 case runs as when the tests run as root. */
const NOBODY = 65534;

interface ReportFile {
  name: string;
  path: string;
  status: 'uploaded' | 'skipped' | 'failed';
  size: number;
  error?: { type: string; message: string };
}

interface Outcome {
  run: CliRun;
  summary: { batchId: string; uploaded: number; skipped: number; failed: number; report: string };
  files: Map<string, ReportFile>;
}

/** The summary `--json` prints last, and the report it points at, by blob name. */
function outcomeOf(run: CliRun): Outcome {
  const last = run.stdout.trim().split('\n').pop() ?? '';
  let summary: Outcome['summary'];
  try {
    summary = JSON.parse(last) as Outcome['summary'];
  } catch {
    throw new Error(`no JSON summary (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
  const report = JSON.parse(fs.readFileSync(summary.report, 'utf8')) as { files: ReportFile[] };
  return { run, summary, files: new Map(report.files.map((file) => [file.name, file])) };
}

/** Blob names registered by successful transactions on the sandbox's localnet. */
async function registeredNames(sandbox: Sandbox): Promise<string[]> {
  const { transactions } = await localnetGet<{
    transactions: { success: boolean; blobNames?: string[] }[];
  }>(sandbox, '/localnet/transactions');
  return transactions.filter((t) => t.success).flatMap((t) => t.blobNames ?? []);
}

/** Runs the CLI as another user (for permission cases when the tests run as root). */
function runAs(sandbox: Sandbox, uid: number, args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: sandbox.env,
      cwd: sandbox.dir,
      uid,
      gid: uid,
      stdio: 'pipe',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data) => (stdout += data));
    child.stderr.on('data', (data) => (stderr += data));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('planning cases through the CLI', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await createSandbox();
  });

  afterAll(async () => {
    await sandbox.cleanup();
  });

  test('B01: a zero-byte file is uploaded and reads back empty', async () => {
    const source = path.join(sandbox.dir, 'z');
    writeTree(source, { empty: '', a: 'hi\n' });
    const { run, summary, files } = outcomeOf(
      await sandbox.run(['upload', source, '--prefix', 'b01/', '--json']),
    );
    expect(run.code).toBe(0);
    expect(summary).toMatchObject({ uploaded: 2, skipped: 0, failed: 0 });
    expect(files.get('b01/empty')).toMatchObject({ status: 'uploaded', size: 0 });
    const verify = await sandbox.run(['verify', summary.batchId, '--json']);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ checked: 2, mismatches: [] });
  });

  describe('B04: a symlink loop and a link out of the tree', () => {
    let source: string;

    beforeAll(() => {
      source = path.join(sandbox.dir, 's');
      writeTree(source, { 'sub/a': 'a\n' });
      writeTree(sandbox.dir, { 'outside/secret.txt': 'not part of the upload\n' });
      fs.symlinkSync('..', path.join(source, 'sub', 'up'));
      fs.symlinkSync(path.join(sandbox.dir, 'outside', 'secret.txt'), path.join(source, 'out'));
    });

    test('are skipped as symlinks by default', async () => {
      const { run, summary, files } = outcomeOf(
        await sandbox.run(['upload', source, '--prefix', 'b04/', '--json']),
      );
      expect(run.code).toBe(0);
      expect(summary).toMatchObject({ uploaded: 1, skipped: 2, failed: 0 });
      expect(files.get('b04/sub/a')?.status).toBe('uploaded');
      expect(files.get('b04/sub/up')).toMatchObject({
        status: 'skipped',
        error: { type: 'symlink', message: '..' },
      });
      expect(files.get('b04/out')).toMatchObject({ status: 'skipped', error: { type: 'symlink' } });
    });

    test('with --follow-symlinks, the loop is cut and the outside target refused', async () => {
      const { run, summary, files } = outcomeOf(
        await sandbox.run([
          'upload',
          source,
          '--prefix',
          'b04-follow/',
          '--follow-symlinks',
          '--json',
        ]),
      );
      expect(run.code).toBe(0);
      expect(summary).toMatchObject({ uploaded: 1, failed: 0 });
      expect([...files.keys()].sort()).toEqual([
        'b04-follow/out',
        'b04-follow/sub/a',
        'b04-follow/sub/up',
      ]);
      expect(files.get('b04-follow/sub/up')?.error?.message).toMatch(/loop/);
      expect(files.get('b04-follow/out')?.error?.message).toMatch(/outside the source folder/);
      const names = await registeredNames(sandbox);
      expect(names.filter((name) => name.startsWith('b04-follow/'))).toEqual(['b04-follow/sub/a']);
    });
  });

  test('B08: a name over 1,024 characters fails at plan time, unpaid; a 244-byte CJK name passes', async () => {
    const deep = Array.from({ length: 12 }, () => 'd'.repeat(90)).join('/');
    const long = path.join(sandbox.dir, 'l');
    const cjk = path.join(sandbox.dir, 'l2');
    writeTree(long, { [`${deep}/f`]: 'x\n' });
    writeTree(cjk, { ['漢'.repeat(80)]: '' });
    const dry = await sandbox.run(['upload', long, cjk, '--prefix', 'b08/', '--dry-run']);
    expect(dry.stdout).toMatch(/0 skipped, 1 cannot be stored .*count as failed/);
    const { run, files, summary } = outcomeOf(
      await sandbox.run(['upload', long, cjk, '--prefix', 'b08/', '--json']),
    );
    expect(summary).toMatchObject({ uploaded: 1, skipped: 0, failed: 1 });
    const longName = `b08/${deep}/f`;
    expect(longName).toHaveLength(1097);
    expect(files.get(longName)).toMatchObject({
      status: 'failed',
      error: {
        type: 'invalid-name',
        message: expect.stringMatching(/1097 characters \(1097 bytes\).*at most 1024/),
      },
    });
    const cjkName = `b08/${'漢'.repeat(80)}`;
    expect(Buffer.byteLength(cjkName)).toBe(244);
    expect(files.get(cjkName)?.status).toBe('uploaded');
    const names = await registeredNames(sandbox);
    expect(names.filter((name) => name.startsWith('b08/'))).toEqual([cjkName]);
    expect(run.code).toBe(1);
  });

  test('B09: planning 50,000 files, alone or as a dry run, stays within a 256 MiB heap', async () => {
    const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'shelby-batch-b09-'));
    try {
      for (let folder = 0; folder < 50; folder++) {
        const dir = path.join(tree, String(folder));
        fs.mkdirSync(dir);
        for (let file = 0; file < 1000; file++) {
          fs.closeSync(fs.openSync(path.join(dir, String(file)), 'w'));
        }
      }
      const manifestDir = path.join(tree, '..', `${path.basename(tree)}-manifest`);
      const script = `
        const { planBatch } = require(${JSON.stringify(PLANNER)});
        planBatch({ sources: [${JSON.stringify(tree)}], prefix: 'b09/', manifestDir: ${JSON.stringify(manifestDir)} })
          .then((summary) => {
            const { heapUsed } = process.memoryUsage();
            process.stdout.write(JSON.stringify({ summary, heapUsed, maxRss: process.resourceUsage().maxRSS * 1024 }));
          });
      `;
      try {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ['--max-old-space-size=256', '-e', script],
          { maxBuffer: 1 << 20 },
        );
        const result = JSON.parse(stdout) as {
          summary: { files: number; uploadable: number; pages: number };
          heapUsed: number;
          maxRss: number;
        };
        expect(result.summary).toMatchObject({ files: 50_000, uploadable: 50_000, pages: 100 });
        // The whole tree's entries would take well over 25 MB; what stays is a hash per name.
        expect(result.heapUsed).toBeLessThan(64 * 1024 * 1024);
        expect(result.maxRss).toBeLessThan(192 * 1024 * 1024);
      } finally {
        fs.rmSync(manifestDir, { recursive: true, force: true });
      }

      // The case as written: a dry run of the upload, the whole CLI under the same heap limit.
      const dryRun = await runCli(
        ['upload', tree, '--prefix', 'b09/', '--dry-run', '--json'],
        { ...sandbox.env, NODE_OPTIONS: '--max-old-space-size=256' },
        sandbox.dir,
      );
      expect(dryRun.code).toBe(0);
      expect(JSON.parse(dryRun.stdout)).toMatchObject({
        plan: { files: 50_000, uploadable: 50_000 },
        total: { files: 50_000 },
      });
    } finally {
      fs.rmSync(tree, { recursive: true, force: true });
    }
  });
});

describe('B05: unreadable file and folder', () => {
  let sandbox: Sandbox;
  let source: string;
  // Permission bits do not stop root: as root, the CLI runs as "nobody".
  const run = (args: string[]) => (isRoot ? runAs(sandbox, NOBODY, args) : sandbox.run(args));

  beforeAll(async () => {
    sandbox = await createSandbox();
    source = path.join(sandbox.dir, 'p');
    writeTree(source, { ok: 'ok\n', locked: 'no\n', 'd/inner': 'x\n' });
    fs.chmodSync(path.join(source, 'locked'), 0o000);
    fs.chmodSync(path.join(source, 'd'), 0o000);
    if (isRoot) {
      fs.chmodSync(sandbox.dir, 0o755);
      fs.mkdirSync(sandbox.home);
      fs.chownSync(sandbox.home, NOBODY, NOBODY);
    }
  });

  afterAll(async () => {
    fs.chmodSync(path.join(source, 'd'), 0o755);
    await sandbox.cleanup();
  });

  test('the readable file is uploaded, the others fail with EACCES, and resume retries only those', async () => {
    const first = outcomeOf(await run(['upload', source, '--prefix', 'b05/', '--json']));
    expect(first.files.get('b05/ok')?.status).toBe('uploaded');
    for (const name of ['b05/locked', 'b05/d']) {
      expect(first.files.get(name)).toMatchObject({
        status: 'failed',
        error: { message: expect.stringMatching(/EACCES/) },
      });
    }
    expect(first.run.code).toBe(1);

    // Once readable, exactly those two are uploaded by the retry.
    fs.chmodSync(path.join(source, 'locked'), 0o644);
    fs.chmodSync(path.join(source, 'd'), 0o755);
    const retry = outcomeOf(await run(['resume', first.summary.batchId, '--json']));
    expect(retry.run.code).toBe(0);
    expect([...retry.files.values()].map((file) => [file.name, file.status]).sort()).toEqual([
      ['b05/d/inner', 'uploaded'],
      ['b05/locked', 'uploaded'],
    ]);
  });
});
