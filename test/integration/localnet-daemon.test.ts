import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  daemonEntryPath,
  ensureLocalnet,
  localnetPaths,
  localnetStatus,
  stopLocalnet,
} from '../../src/localnet/daemon';
import { freePort } from '../helpers/temporal-test-server';

const ALICE = '0x' + 'a1'.repeat(32);
const BOB = '0x' + 'b2'.repeat(32);

async function balances(url: string, address: string): Promise<unknown> {
  const response = await fetch(`${url}/localnet/fund`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ address, apt: 0, shelbyusd: 0, onlyIfNew: true }),
  });
  return ((await response.json()) as { account: unknown }).account;
}

describe('background localnet', () => {
  let stateDir: string;
  beforeAll(() => {
    if (!fs.existsSync(daemonEntryPath())) {
      throw new Error(
        `${daemonEntryPath()} is missing; run \`npm run build\` before the integration tests.`,
      );
    }
  });
  beforeEach(() => (stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'localnet-daemon-'))));
  afterEach(async () => {
    await stopLocalnet(stateDir);
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts on first use, is reused, and funds each account at first sight only', async () => {
    const port = await freePort();
    const first = await ensureLocalnet({
      stateDir,
      port,
      fund: [{ address: ALICE, apt: 5_000_000, shelbyusd: 7_000 }],
    });
    expect(first).toEqual({ url: `http://127.0.0.1:${port}`, started: true });
    const aliceAfterFirst = await balances(first.url, ALICE);

    const second = await ensureLocalnet({
      stateDir,
      port,
      fund: [
        { address: ALICE, apt: 99, shelbyusd: 99 },
        { address: BOB, apt: 1_000, shelbyusd: 2_000 },
      ],
    });
    expect(second).toEqual({ url: first.url, started: false });
    expect(await balances(first.url, ALICE)).toEqual(aliceAfterFirst);
    expect(JSON.stringify(await balances(first.url, BOB))).toMatch(/2000/);

    const status = await localnetStatus(stateDir, port);
    expect(status).toMatchObject({ running: true, healthy: true, url: first.url });
    expect(fs.readFileSync(localnetPaths(stateDir).pid, 'utf8').trim()).toBe(String(status.pid));
  });

  it('stops by pid and keeps its ledger for the next start', async () => {
    const port = await freePort();
    const { url } = await ensureLocalnet({
      stateDir,
      port,
      fund: [{ address: ALICE, apt: 1_234, shelbyusd: 5_678 }],
    });
    const before = await balances(url, ALICE);

    expect(await stopLocalnet(stateDir)).toBe(true);
    expect(await localnetStatus(stateDir, port)).toMatchObject({ running: false, healthy: false });
    expect(await stopLocalnet(stateDir)).toBe(false);

    const again = await ensureLocalnet({
      stateDir,
      port,
      fund: [{ address: ALICE, apt: 1, shelbyusd: 1 }],
    });
    expect(again.started).toBe(true);
    expect(await balances(url, ALICE)).toEqual(before);
  });

  it('reports a start-up failure with the end of its log', async () => {
    const port = await freePort();
    // A broken pricing setting makes the server refuse to start.
    await expect(
      ensureLocalnet({
        stateDir,
        port,
        pricing: { gasUnitPrice: -1 },
        fund: [],
        startTimeoutMs: 15_000,
      }),
    ).rejects.toThrow(/exited during start-up[\s\S]*daemon\.log[\s\S]*gasUnitPrice/);
    expect(fs.existsSync(localnetPaths(stateDir).pid)).toBe(false);
  });
});
