import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { createSandbox, writeTree, type Sandbox } from '../helpers/cli';
import {
  expectCleanBatch,
  faults,
  ledgerFacts,
  setFaults,
  startLocalnet,
  summaryOf,
  waitFor,
} from './faults-helpers';

const MINUTES = 60_000;
const UPLOAD_ROUTES = ['rpc.start', 'rpc.putPart', 'rpc.complete'];

/** Parts the sandbox's localnet holds for uploads not yet completed. */
function storedParts(sandbox: Sandbox): number {
  const uploads = path.join(sandbox.home, 'localnet', 'uploads');
  return fs
    .readdirSync(uploads)
    .flatMap((id) => fs.readdirSync(path.join(uploads, id)))
    .filter((name) => /^part-\d+$/.test(name)).length;
}

/** `count` small files and one of two parts, in a fresh folder of the sandbox. */
function tree(sandbox: Sandbox, name: string, count: number): { source: string; files: number } {
  const source = path.join(sandbox.dir, name);
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < count; i += 1) files[`f${i}.bin`] = randomBytes(500 + i * 313);
  files['two-parts.bin'] = randomBytes(6 * 1024 * 1024 + 5);
  writeTree(source, files);
  return { source, files: count + 1 };
}

/**
 * Uploads through the CLI while the sandbox's localnet injects faults. Every case must end the
 * same way: exit 0, each file uploaded, each name registered once, no aborted duplicate.
 */
describe('uploads through injected faults', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await createSandbox();
    await startLocalnet(sandbox);
  });

  afterAll(async () => {
    await sandbox.cleanup();
  });

  beforeEach(async () => {
    await setFaults(sandbox, []);
  });

  test(
    'B14: every third RPC request answered 429 with Retry-After: 1 → all uploaded, exit 0',
    async () => {
      const { source, files } = tree(sandbox, 'b14', 10);
      await setFaults(sandbox, [{ route: UPLOAD_ROUTES, every: 3, action: '429', retryAfter: 1 }]);
      const run = await sandbox.run(['upload', source, '--prefix', 'b14/', '--json'], {
        timeoutMs: 5 * MINUTES,
      });
      const fired = (await faults(sandbox)).rules[0].fired;
      await setFaults(sandbox, []);
      await expectCleanBatch(sandbox, run, 'b14/', files);
      expect(fired).toBeGreaterThanOrEqual(4);
      const verify = await sandbox.run(['verify', summaryOf(run).batchId, '--json']);
      expect(verify.code).toBe(0);
    },
    6 * MINUTES,
  );

  test(
    'a complete that stores the blob then answers 500 → uploaded once, no second registration',
    async () => {
      const { source, files } = tree(sandbox, 'stored500', 4);
      await setFaults(sandbox, [{ route: 'rpc.complete', every: 2, action: 'stored-then-500' }]);
      const run = await sandbox.run(['upload', source, '--prefix', 'stored500/', '--json'], {
        timeoutMs: 5 * MINUTES,
      });
      const view = await faults(sandbox);
      await expectCleanBatch(sandbox, run, 'stored500/', files);
      expect(view.rules[0].fired).toBeGreaterThanOrEqual(1);
      // Reconciled through is_written: no completion is sent again for a stored blob.
      expect(view.requests['rpc.complete']).toBe(files);
    },
    6 * MINUTES,
  );

  test(
    'a registration that lands after its wait timed out → no second registration, no second fee',
    async () => {
      const { source, files } = tree(sandbox, 'pending', 2);
      // Longer than the product's wait for a transaction (25 s), so the wait times out first.
      await setFaults(sandbox, [
        { route: 'fullnode.submit', count: 1, action: 'pending', ms: 27_000 },
      ]);
      const run = await sandbox.run(['upload', source, '--prefix', 'pending/', '--json'], {
        timeoutMs: 5 * MINUTES,
      });
      expect((await faults(sandbox)).rules[0].fired).toBe(1);
      await expectCleanBatch(sandbox, run, 'pending/', files);
    },
    6 * MINUTES,
  );

  test(
    'a registration that lands but is answered 500 → no second registration',
    async () => {
      const { source, files } = tree(sandbox, 'submit500', 3);
      await setFaults(sandbox, [{ route: 'fullnode.submit', count: 1, action: 'stored-then-500' }]);
      const run = await sandbox.run(['upload', source, '--prefix', 'submit500/', '--json'], {
        timeoutMs: 5 * MINUTES,
      });
      expect((await faults(sandbox)).rules[0].fired).toBe(1);
      await expectCleanBatch(sandbox, run, 'submit500/', files);
    },
    6 * MINUTES,
  );

  test(
    'SEQUENCE_NUMBER_TOO_OLD on a right sequence number → retried, exit 0',
    async () => {
      const { source, files } = tree(sandbox, 'seq', 3);
      await setFaults(sandbox, [
        { route: 'fullnode.submit', count: 2, action: 'sequence-conflict' },
      ]);
      const run = await sandbox.run(['upload', source, '--prefix', 'seq/', '--json'], {
        timeoutMs: 5 * MINUTES,
      });
      expect((await faults(sandbox)).rules[0].fired).toBe(2);
      await expectCleanBatch(sandbox, run, 'seq/', files);
    },
    6 * MINUTES,
  );

  test(
    'a storm of 503s on transaction submission, then recovery → exit 0',
    async () => {
      const { source, files } = tree(sandbox, 'storm', 3);
      await setFaults(sandbox, [
        { route: 'fullnode.submit', count: 4, action: 'status', status: 503 },
      ]);
      const run = await sandbox.run(['upload', source, '--prefix', 'storm/', '--json'], {
        timeoutMs: 5 * MINUTES,
      });
      expect((await faults(sandbox)).rules[0].fired).toBe(4);
      await expectCleanBatch(sandbox, run, 'storm/', files);
    },
    6 * MINUTES,
  );

  test(
    'parts cut mid-body and answered 502 are sent again → exit 0',
    async () => {
      const { source, files } = tree(sandbox, 'parts', 3);
      await setFaults(sandbox, [
        { route: 'rpc.putPart', every: 2, count: 3, action: 'cut' },
        { route: 'rpc.putPart', every: 3, count: 3, action: 'status', status: 502 },
      ]);
      const run = await sandbox.run(['upload', source, '--prefix', 'parts/', '--json'], {
        timeoutMs: 5 * MINUTES,
      });
      await expectCleanBatch(sandbox, run, 'parts/', files);
      const verify = await sandbox.run(['verify', summaryOf(run).batchId, '--json']);
      expect(verify.code).toBe(0);
    },
    6 * MINUTES,
  );
});

describe('the localnet restarted mid-batch', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await createSandbox((config) => {
      config.global_limits.max_parallel_uploads = 2;
    });
    await startLocalnet(sandbox);
  });

  afterAll(async () => {
    await sandbox.cleanup();
  });

  test(
    '`localnet restart` while files upload: the batch ends with every file once, exit 0',
    async () => {
      const { source, files } = tree(sandbox, 'restart', 24);
      // Slow parts down so the restart falls in the middle of the batch.
      await setFaults(sandbox, [{ route: 'rpc.putPart', action: 'latency', ms: 300 }]);
      const upload = sandbox.spawn(['upload', source, '--prefix', 'restart/', '--json']);
      let stdout = '';
      let stderr = '';
      upload.stdout!.on('data', (d) => (stdout += d));
      upload.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => upload.on('close', resolve));

      const written = async () =>
        (await ledgerFacts(sandbox, 'restart/')).blobs.filter((b) => b.isWritten).length;
      await waitFor(async () => (await written()) >= 3, 3 * MINUTES, 'a few files written');
      const restart = await sandbox.run(['localnet', 'restart']);
      expect(restart.code).toBe(0);
      expect(await written()).toBeLessThan(files);
      // The restarted localnet kept its state, and runs without the rules set at run time.
      expect((await faults(sandbox)).rules).toEqual([]);

      const code = await exited;
      await expectCleanBatch(sandbox, { code, stdout, stderr }, 'restart/', files);
    },
    8 * MINUTES,
  );
});

describe('B10: a large upload interrupted and resumed', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await createSandbox();
    await startLocalnet(sandbox);
  });

  afterAll(async () => {
    await sandbox.cleanup();
  });

  test(
    'kill -9 mid-data, then resume: one registration, and only the missing parts are sent',
    async () => {
      const source = path.join(sandbox.dir, 'b10');
      const parts = 20;
      writeTree(source, { 'large.bin': randomBytes(parts * 5 * 1024 * 1024 - 7) });
      await setFaults(sandbox, [{ route: 'rpc.putPart', action: 'latency', ms: 1000 }]);
      const upload = sandbox.spawn(['upload', source, '--prefix', 'b10/']);
      let stderr = '';
      upload.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise((resolve) => upload.on('close', resolve));
      await waitFor(
        async () => ((await faults(sandbox)).requests['rpc.putPart'] ?? 0) >= 8,
        3 * MINUTES,
        `parts to be sent\n${stderr}`,
      );
      // Between two rounds of parts (each takes the 1 s latency), so the client has recorded
      // every part it saw stored.
      await sleep(400);
      upload.kill('SIGKILL');
      await exited;
      const batchId = fs.readdirSync(path.join(sandbox.home, 'batches'))[0];
      const storedBefore = storedParts(sandbox);
      expect(storedBefore).toBeGreaterThanOrEqual(4);

      // Counters restart with the rules: what follows is what the resumed batch sends.
      await setFaults(sandbox, [{ route: 'rpc.putPart', action: 'latency', ms: 0 }]);
      const resume = await sandbox.run(['resume', batchId, '--json'], { timeoutMs: 5 * MINUTES });
      const sentAfter = (await faults(sandbox)).requests['rpc.putPart'] ?? 0;
      const facts = await ledgerFacts(sandbox, 'b10/');
      expect({ code: resume.code, stderr: resume.stderr.slice(-2000) }).toMatchObject({ code: 0 });
      expect([...facts.registrations.values()]).toEqual([1]);
      expect(facts.aborted).toEqual([]);
      expect(facts.blobs[0]).toMatchObject({ isWritten: true });
      // Only unfinished data work repeats: the parts the node stored before the kill are not
      // sent again (give or take the client's three parts in flight).
      expect(sentAfter).toBeLessThanOrEqual(parts - storedBefore + 3);
    },
    8 * MINUTES,
  );
});
