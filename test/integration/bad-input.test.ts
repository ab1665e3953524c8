import * as fs from 'node:fs';
import * as path from 'node:path';

import { Client, Connection } from '@temporalio/client';
import { parse, stringify } from 'yaml';

import {
  createSandbox,
  freePort,
  runCli,
  writeTree,
  type CliRun,
  type Sandbox,
} from '../helpers/cli';
import { startTestLocalnet } from '../helpers/localnet-harness';
import { testTemporalSettings } from '../helpers/temporal-env';
import { ManifestWriter } from '../../src/manifest/manifest';

/** The parts of the config file these tests change. */
interface ConfigShape {
  network: { localnet: { port: number } };
  temporal: { address: string };
  upload: { strategy: string };
  accounts: { id: string; privateKey: string }[];
}

const BAD_INPUT = 2;
const UNREACHABLE = 4;

/** Regular files under a folder. */
function countFiles(dir: string): number {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile()).length;
}

/** A refusal: exactly one line on stderr, no stack trace, the documented exit code. */
function expectRefusal(run: CliRun, code: number, message: RegExp): void {
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  expect({ code: run.code, lines }).toEqual({ code, lines: [expect.stringMatching(message)] });
  expect(lines[0]).toMatch(/^shelby-batch: /);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

describe('bad configuration and command line', () => {
  let sandbox: Sandbox;
  let client: Client;
  let connection: Connection;
  let source: string;
  let taskQueue: string;

  /** Writes a variant of the sandbox's config and returns its path. */
  function configVariant(name: string, edit: (config: ConfigShape) => void): string {
    const config = parse(fs.readFileSync(sandbox.configPath, 'utf8')) as ConfigShape;
    edit(config);
    const file = path.join(sandbox.dir, `${name}.yaml`);
    fs.writeFileSync(file, stringify(config));
    return file;
  }

  /** Nothing was started: no batch workflow, no batch folder, no background service. */
  async function expectNothingStarted(): Promise<void> {
    const workflows = [];
    for await (const run of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
      workflows.push(run.workflowId);
    }
    expect(workflows).toEqual([]);
    const batches = path.join(sandbox.home, 'batches');
    expect(fs.existsSync(batches) ? fs.readdirSync(batches) : []).toEqual([]);
    expect(fs.existsSync(path.join(sandbox.home, 'localnet', 'daemon.pid'))).toBe(false);
    expect(fs.existsSync(path.join(sandbox.home, 'temporal', 'server.pid'))).toBe(false);
    const health = await fetch(`${sandbox.localnetUrl}/localnet/health`).then(
      (response) => response.status,
      () => 'refused',
    );
    expect(health).toBe('refused');
  }

  beforeAll(async () => {
    sandbox = await createSandbox();
    taskQueue = parse(fs.readFileSync(sandbox.configPath, 'utf8')).temporal.taskQueue;
    source = path.join(sandbox.dir, 'files');
    writeTree(source, { 'a.txt': 'a\n' });
    const { address, namespace } = testTemporalSettings();
    connection = await Connection.connect({ address });
    client = new Client({ connection, namespace });
  });

  afterAll(async () => {
    await connection?.close();
    await sandbox.cleanup();
  });

  afterEach(async () => {
    await expectNothingStarted();
  });

  describe('config', () => {
    it('refuses a missing config file, named or from SHELBY_BATCH_CONFIG', async () => {
      const named = await sandbox.run(['upload', source, '--config', 'missing.yaml']);
      expectRefusal(named, BAD_INPUT, /missing\.yaml: the config file does not exist/);
      const env = { ...sandbox.env, SHELBY_BATCH_CONFIG: path.join(sandbox.dir, 'gone.yaml') };
      const fromEnv = await runCli(['status'], env, sandbox.dir);
      expectRefusal(fromEnv, BAD_INPUT, /gone\.yaml: SHELBY_BATCH_CONFIG does not exist/);
    });

    it('refuses malformed YAML with the line and column', async () => {
      const file = configVariant('malformed', () => undefined);
      fs.writeFileSync(file, 'network:\n  name: local\naccounts: [\n  - id: a\n');
      for (const args of [['upload', source], ['status'], ['report', 'batch-x']]) {
        const run = await sandbox.run([...args, '--config', file]);
        expectRefusal(run, BAD_INPUT, /malformed\.yaml:\d+:\d+: malformed YAML/);
      }
    });

    it('refuses an unknown strategy in the config', async () => {
      const file = configVariant('strategy', (config) => (config.upload.strategy = 'fastest'));
      const run = await sandbox.run(['upload', source, '--config', file]);
      expectRefusal(run, BAD_INPUT, /upload\.strategy: expected one of round-robin, .*"fastest"/);
    });

    it('refuses duplicate account ids', async () => {
      const file = configVariant('duplicate', (config) => (config.accounts[1].id = 'alice'));
      for (const args of [['upload', source], ['status']]) {
        const run = await sandbox.run([...args, '--config', file]);
        expectRefusal(run, BAD_INPUT, /accounts\[1\]\.id: expected a unique id.*accounts\[0\]/);
      }
    });

    it('refuses a key that does not match its address, without printing the key', async () => {
      let key = '';
      const file = configVariant('mismatch', (config) => {
        key = config.accounts[1].privateKey;
        config.accounts[0].privateKey = key;
      });
      for (const args of [['upload', source], ['upload', source, '--no-start'], ['start']]) {
        const run = await sandbox.run([...args, '--config', file]);
        expectRefusal(run, BAD_INPUT, /accounts\[0\] \(alice\)\.privateKey: the key belongs to/);
        expect(run.stderr + run.stdout).not.toContain(key.slice(-64));
      }
    });

    it('refuses a key reference to an unset environment variable', async () => {
      const file = configVariant('unset', (config) => {
        config.accounts[2].privateKey = 'env:SHELBY_BATCH_TEST_UNSET_KEY';
      });
      const env = { ...sandbox.env };
      delete env.SHELBY_BATCH_TEST_UNSET_KEY;
      for (const args of [['upload', source], ['resume']]) {
        const run = await runCli([...args, '--config', file], env, sandbox.dir);
        expectRefusal(run, BAD_INPUT, /SHELBY_BATCH_TEST_UNSET_KEY is not set/);
      }
    });
  });

  describe('command line', () => {
    it('refuses an unknown --strategy', async () => {
      const run = await sandbox.run(['upload', source, '--strategy', 'fastest']);
      expectRefusal(run, BAD_INPUT, /unknown strategy "fastest": use one of round-robin/);
    });

    it('refuses a state folder that is a file', async () => {
      const file = path.join(sandbox.dir, 'not-a-folder');
      fs.writeFileSync(file, 'x');
      for (const home of [file, path.join(file, 'below')]) {
        const run = await runCli(
          ['upload', source],
          { ...sandbox.env, SHELBY_BATCH_HOME: home },
          sandbox.dir,
        );
        expectRefusal(run, BAD_INPUT, /the state folder .* (is not a folder|cannot be used)/);
      }
    });

    it('refuses an unknown option, and a string option with no value, before anything starts', async () => {
      const cases: [string[], RegExp][] = [
        [['upload', '--bogus', source], /unknown option --bogus; see `shelby-batch upload --help`/],
        [['estimate', source, '--no-prefix'], /unknown option --no-prefix/],
        [['upload', source, '--prefix'], /--prefix needs a value/],
        [
          ['upload', source, '--expires-in', '-5d'],
          /--expires-in needs a value .*--expires-in=VALUE/,
        ],
        [['status', '--limit', '-1'], /--limit needs a value/],
        [['status', '--limit=-1'], /--limit must be a whole number of at least 1, got "-1"/],
        [
          ['upload', source, '--prefix', 'a/', '--prefix', 'b/'],
          /--prefix is given more than once/,
        ],
        [['status', '--json=foo'], /--json takes no value/],
        [
          ['upload', source, path.join(source, 'a.txt')],
          /a\.txt is inside .*: its files would be stored twice/,
        ],
      ];
      for (const [args, message] of cases) {
        expectRefusal(await sandbox.run(args), BAD_INPUT, message);
      }
      expect(fs.existsSync(path.join(sandbox.home, 'batches'))).toBe(false);
    });

    it('takes --force and --dry-run as switches: the path after them is part of the batch', async () => {
      // Pricing starts a localnet: in a sandbox of its own, so the others see nothing started.
      const own = await createSandbox();
      try {
        const other = path.join(own.dir, 'other-source');
        writeTree(other, { 'o.txt': 'other\n' });
        const run = await own.run(['upload', '--force', '--dry-run', source, other, '--json']);
        expect(run.code).toBe(0);
        expect(JSON.parse(run.stdout).plan.files).toBe(countFiles(source) + 1);
      } finally {
        await own.cleanup();
        fs.rmSync(own.dir, { recursive: true, force: true });
      }
    });

    it('refuses a path that does not exist, and names it', async () => {
      const run = await sandbox.run(['upload', source, path.join(sandbox.dir, 'nowhere')]);
      expectRefusal(run, BAD_INPUT, /nowhere: no such file or folder/);
    });

    it('refuses an unknown or empty account list, an over-long prefix and a bad or too distant expiry', async () => {
      const cases: [string[], RegExp][] = [
        [['--accounts', 'alice,mallory'], /unknown account id\(s\): mallory/],
        [['--prefix', 'p'.repeat(1024)], /--prefix .*: the prefix is 1024 characters/],
        [['--expires-in', 'soon'], /--expires-in: /],
        [['--expires-in', '99999999d'], /--expires-in: .*more than 100 years away/],
        [['--accounts', ','], /--accounts ",": name at least one account id/],
      ];
      for (const [args, message] of cases) {
        expectRefusal(await sandbox.run(['upload', source, ...args]), BAD_INPUT, message);
      }
    });

    it('refuses an unknown or malformed batch id for status, report and verify', async () => {
      // verify reaches the network before it reads the batch: give it a localnet that answers.
      const localnet = await startTestLocalnet();
      const file = configVariant('answering', (config) => {
        config.network.localnet.port = Number(new URL(localnet.url).port);
      });
      try {
        for (const command of ['status', 'report', 'verify']) {
          const unknown = await sandbox.run([command, 'batch-unknown', '--config', file]);
          expectRefusal(unknown, BAD_INPUT, /no batch batch-unknown/);
          const malformed = await sandbox.run([command, '../outside', '--config', file]);
          expectRefusal(malformed, BAD_INPUT, /(invalid batch id|no batch) "?\.\.\/outside/);
        }
      } finally {
        await localnet.cleanup();
      }
    });
  });

  describe('unreachable services', () => {
    it('exits 4 when no Temporal server answers, and starts none', async () => {
      const port = await freePort();
      const file = configVariant('closed', (config) => {
        config.temporal.address = `127.0.0.1:${port}`;
      });
      // TEMPORAL_ADDRESS would override the config's address.
      const env: NodeJS.ProcessEnv = { ...sandbox.env, SHELBY_BATCH_CONFIG: file };
      delete env.TEMPORAL_ADDRESS;
      for (const args of [['status'], ['status', 'batch-x'], ['pause', 'batch-x']]) {
        const run = await runCli(args, env, sandbox.dir);
        expectRefusal(
          run,
          UNREACHABLE,
          new RegExp(`No Temporal server answers at 127\\.0\\.0\\.1:${port}`),
        );
      }
    });

    it('exits 4 from verify when the localnet does not answer', async () => {
      // A planned batch, so that verify gets as far as the network.
      const batchId = 'batch-20300101-000000-abcd';
      const writer = new ManifestWriter(path.join(sandbox.home, 'batches', batchId, 'manifest'));
      const file = path.join(source, 'a.txt');
      await writer.add({ path: file, name: 'a.txt', size: 2, mtimeMs: fs.statSync(file).mtimeMs });
      await writer.close();
      try {
        const run = await sandbox.run(['verify', batchId]);
        expectRefusal(
          run,
          UNREACHABLE,
          /the localnet does not answer at http:\/\/127\.0\.0\.1:\d+/,
        );
      } finally {
        fs.rmSync(path.join(sandbox.home, 'batches'), { recursive: true, force: true });
      }
    });
  });
});
