import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { parse } from 'yaml';

import { createSandbox, freePort, runCli, writeTree, type Sandbox } from '../helpers/cli';

const SAMPLE_CONFIG = path.join(__dirname, '..', '..', 'config', 'accounts.yaml');

/** A configured key in every form it could leak as. */
interface KeyForms {
  account: string;
  forms: { encoding: string; bytes: Buffer }[];
}

function keyForms(account: string, aip80: string): KeyForms {
  const hex = aip80.replace(/^ed25519-priv-0x/, '').toLowerCase();
  const raw = Buffer.from(hex, 'hex');
  const text = (encoding: string, value: string) => ({ encoding, bytes: Buffer.from(value) });
  return {
    account,
    forms: [
      text('AIP-80', `ed25519-priv-0x${hex}`),
      text('hex with 0x', `0x${hex}`),
      text('bare hex', hex),
      text('bare hex, upper case', hex.toUpperCase()),
      text('base64', raw.toString('base64')),
      text('base64url', raw.toString('base64url')),
      text('JSON byte array', JSON.stringify([...raw])),
      { encoding: 'raw bytes', bytes: raw },
    ],
  };
}

/** Which key forms occur in `haystack`, as "<account>: <encoding> in <where>". */
function leaks(keys: KeyForms[], haystack: Buffer, where: string): string[] {
  const found: string[] = [];
  for (const key of keys) {
    for (const form of key.forms) {
      if (haystack.includes(form.bytes)) found.push(`${key.account}: ${form.encoding} in ${where}`);
    }
  }
  return found;
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** A free loopback port whose neighbour 1000 up (the dev server's Web UI) is free too. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 1000 > 65535) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port + 1000, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

describe('secrets never enter Temporal', () => {
  let sandbox: Sandbox;
  let env: NodeJS.ProcessEnv;
  let address: string;
  let keys: KeyForms[];
  const outputs: string[] = [];

  const setFaults = async (rules: unknown[]) => {
    const response = await fetch(`${sandbox.localnetUrl}/localnet/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rules),
    });
    expect(response.status).toBe(200);
  };

  const run = async (args: string[]) => {
    const result = await runCli(args, env, sandbox.dir);
    outputs.push(result.stdout, result.stderr);
    return result;
  };

  beforeAll(async () => {
    const sample = parse(fs.readFileSync(SAMPLE_CONFIG, 'utf8')) as {
      accounts: { id: string; privateKey: string }[];
    };
    keys = sample.accounts.map((account) => keyForms(account.id, account.privateKey));
    const [, bob, carol] = sample.accounts.map((account) => account.privateKey);
    // This test's own dev server, started by the CLI as in the embedded default, so that its
    // SQLite file can be read afterwards.
    address = `127.0.0.1:${await freePortPair()}`;
    sandbox = await createSandbox((config) => {
      config.temporal.address = address;
      config.global_limits.max_retries = 0;
      // One key inline (AIP-80), one from the environment (hex), one from a file (bare hex).
      config.accounts[1].privateKey = 'env:SHELBY_BATCH_TEST_BOB_KEY';
      config.accounts[2].privateKey = 'file:carol.key';
    });
    fs.writeFileSync(path.join(sandbox.dir, 'carol.key'), `${carol.slice(-64)}\n`);
    env = {
      ...sandbox.env,
      SHELBY_BATCH_TEST_BOB_KEY: `0x${bob.slice(-64)}`,
      // Continue-as-new after every group, so that batches have several runs.
      SHELBY_BATCH_GROUPS_PER_RUN: '1',
    };
    delete env.TEMPORAL_ADDRESS;
  });

  afterAll(async () => {
    await runCli(['server', 'stop'], env, sandbox.dir);
    await sandbox.cleanup();
  });

  it('leaves no private key in histories, the server database, the state folder or output', async () => {
    // A batch paid by every account in which one group fails (its registration is answered 503
    // and no retry is allowed), so that failure messages reach Temporal; then its retry.
    const source = path.join(sandbox.dir, 'files');
    const files: Record<string, string | Buffer> = {};
    for (let i = 0; i < 6; i++) files[`f${i}.txt`] = `file ${i}\n`;
    // Files of 1 MiB and more get a group (and so an account) each.
    for (let i = 0; i < 3; i++) files[`big${i}.bin`] = randomBytes(1024 * 1024 + i);
    writeTree(source, files);
    expect((await run(['localnet', 'start'])).code).toBe(0);
    await setFaults([{ route: 'fullnode.submit', count: 1, action: 'status', status: 503 }]);
    const first = await run(['upload', source, '--prefix', 's/', '--json']);
    await setFaults([]);
    expect(first.code).toBe(1);
    const firstSummary = JSON.parse(first.stdout.trim().split('\n').pop()!);
    const report = JSON.parse(fs.readFileSync(firstSummary.report, 'utf8')) as {
      files: { account: string; status: string }[];
    };
    expect(new Set(report.files.map((file) => file.account))).toEqual(
      new Set(['alice', 'bob', 'carol']),
    );
    expect(report.files.some((file) => file.status === 'failed')).toBe(true);
    const retry = await run(['resume', firstSummary.batchId, '--json']);
    expect(retry.code).toBe(0);

    // Every event of every run of every workflow (batches and account leases), and every
    // execution's description (pending activities carry heartbeat details).
    const connection = await Connection.connect({ address });
    const found: string[] = [];
    const histories: Buffer[] = [];
    const runsByType = new Map<string, number>();
    try {
      const client = new Client({ connection, namespace: 'default' });
      for await (const execution of client.workflow.list()) {
        runsByType.set(execution.type, (runsByType.get(execution.type) ?? 0) + 1);
        const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
        const history = await handle.fetchHistory();
        const where = `${execution.type} ${execution.workflowId} run ${execution.runId}`;
        const encoded = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
        histories.push(encoded);
        found.push(...leaks(keys, encoded, `history of ${where}`));
        const { raw } = await handle.describe();
        const description = Buffer.from(
          temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse.encode(raw).finish(),
        );
        found.push(...leaks(keys, description, `description of ${where}`));
      }
    } finally {
      await connection.close();
    }
    // The search covered what it should: both batches over several runs each, the account
    // leases, a failure message.
    expect([...runsByType.keys()].sort()).toEqual(['accountLockWorkflow', 'batchWorkflow']);
    expect(runsByType.get('batchWorkflow')).toBeGreaterThan(2);
    expect(runsByType.get('accountLockWorkflow')).toBeGreaterThanOrEqual(3);
    expect(Buffer.concat(histories).includes('recordFailures')).toBe(true);
    expect(Buffer.concat(histories).includes('503')).toBe(true);

    // The dev server's SQLite file (and its write-ahead log), and everything else under the state
    // folder: logs, manifests, results, reports, the localnet's ledger.
    const database = path.join(sandbox.home, 'temporal', 'dev.db');
    expect(fs.existsSync(database)).toBe(true);
    expect(fs.readFileSync(database).includes('batchWorkflow')).toBe(true);
    const stateFiles = filesUnder(sandbox.home);
    expect(stateFiles).toEqual(
      expect.arrayContaining([database, path.join(sandbox.home, 'logs', 'worker.log')]),
    );
    for (const file of stateFiles) {
      found.push(...leaks(keys, fs.readFileSync(file), path.relative(sandbox.home, file)));
    }
    found.push(...leaks(keys, Buffer.from(outputs.join('\n')), 'the CLI output'));

    // The search finds a key where there is one (in every form but the bare bytes, a key in
    // AIP-80 text contains the hex forms too).
    const planted = Buffer.from(`{"signer":"${keys[0].forms[0].bytes.toString()}"}`);
    expect(leaks(keys, planted, 'a planted key')).toEqual([
      'alice: AIP-80 in a planted key',
      'alice: hex with 0x in a planted key',
      'alice: bare hex in a planted key',
    ]);

    expect(found).toEqual([]);
  }, 600_000);
});
