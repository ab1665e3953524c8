import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Account, Aptos, AptosConfig, Ed25519PrivateKey, Network } from '@aptos-labs/ts-sdk';

import { SHELBY_DEPLOYER, startLocalnet, type Localnet } from '../../src/localnet/server';
import type { FaultsView } from '../../src/localnet/server';

const ROOT = Buffer.alloc(32, 0xcd);

/** The localnet's fault rules, driven over HTTP as tests and users drive them. */
describe('localnet fault injection', () => {
  let home: string;
  let localnet: Localnet;
  let aptos: Aptos;
  const owner = Account.fromPrivateKey({ privateKey: Ed25519PrivateKey.generate() });
  const address = owner.accountAddress.toStringLong();
  let serial = 0;

  async function setFaults(rules: unknown): Promise<Response> {
    return fetch(`${localnet.url}/localnet/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rules),
    });
  }

  async function getJson<T>(route: string): Promise<T> {
    return (await (await fetch(`${localnet.url}${route}`)).json()) as T;
  }

  /** Builds and signs a registration of a fresh name, and returns it unsent. */
  async function registration() {
    serial += 1;
    const transaction = await aptos.transaction.build.simple({
      sender: owner.accountAddress,
      data: {
        function: `${SHELBY_DEPLOYER}::blob_metadata::register_blob`,
        functionArguments: [
          `faults/${serial}`,
          Date.now() * 1000 + 3_600_000_000,
          ROOT,
          1,
          10,
          0,
          0,
        ],
      },
    });
    return { transaction, name: `faults/${serial}` };
  }

  async function sequenceNumber(): Promise<number> {
    const account = await getJson<{ sequence_number: string }>(`/v1/accounts/${address}`);
    return Number(account.sequence_number);
  }

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-localnet-'));
    localnet = await startLocalnet({ home, port: 0 });
    await fetch(`${localnet.url}/localnet/fund`, {
      method: 'POST',
      body: JSON.stringify({ address, apt: '100000000000', shelbyusd: '100000000' }),
    });
    aptos = new Aptos(new AptosConfig({ network: Network.LOCAL, fullnode: `${localnet.url}/v1` }));
  });

  afterAll(async () => {
    await localnet.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  beforeEach(async () => {
    expect((await setFaults([])).status).toBe(200);
  });

  test('GET /localnet/pricing answers the resolved prices', async () => {
    expect(await getJson('/localnet/pricing')).toEqual({
      gasUnitPrice: 100,
      gasPerTransaction: 500,
      gasPerBlob: 50,
      storagePerBlob: 1000,
      storagePerMiB: 10000,
    });
  });

  test('refuses unknown routes, actions and misplaced submit faults with a readable 400', async () => {
    const cases: [unknown, RegExp][] = [
      [[{ route: 'rpc.completeUpload', action: 'status', status: 500 }], /no localnet route/],
      [[{ route: 'rpc.complete', action: 'explode' }], /action: .*Expected 'status' \| '429'/],
      [[{ route: 'rpc.complete', action: 'pending', ms: 10 }], /fullnode.submit only/],
      [[{ route: 'rpc.*', action: 'status', status: 700 }], /status/],
      [[{ route: 'admin.fund', action: 'status', status: 500 }], /no localnet route/],
      [{ nope: true }, /Invalid fault rules/],
    ];
    for (const [rules, message] of cases) {
      const response = await setFaults(rules);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(message);
    }
  });

  test('status, 429 with Retry-After, and every Nth request after a number let through', async () => {
    await setFaults({
      rules: [
        {
          route: 'fullnode.estimateGasPrice',
          after: 1,
          every: 2,
          count: 2,
          action: '429',
          retryAfter: 7,
        },
        { route: 'fullnode.ledgerInfo', action: 'status', status: 503, body: { message: 'down' } },
      ],
    });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      const response = await fetch(`${localnet.url}/v1/estimate_gas_price`);
      statuses.push(response.status);
      if (response.status === 429) expect(response.headers.get('retry-after')).toBe('7');
      await response.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 429, 200, 429, 200, 200]);
    const ledger = await fetch(`${localnet.url}/v1`);
    expect(ledger.status).toBe(503);
    expect(await ledger.json()).toEqual({ message: 'down' });
    const view = await getJson<FaultsView>('/localnet/faults');
    expect(view.rules.map((r) => [r.matched, r.fired])).toEqual([
      [7, 2],
      [1, 1],
    ]);
    expect(view.source).toBe('admin');
  });

  test('a seeded probability repeats the same pattern', async () => {
    const pattern = async () => {
      await setFaults([
        { route: 'fullnode.healthy', p: 0.5, seed: 42, action: 'status', status: 500 },
      ]);
      const statuses: number[] = [];
      for (let i = 0; i < 20; i += 1) {
        const response = await fetch(`${localnet.url}/v1/-/healthy`);
        statuses.push(response.status);
        await response.arrayBuffer();
      }
      return statuses;
    };
    const first = await pattern();
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await pattern()).toEqual(first);
  });

  test('latency delays the answer', async () => {
    await setFaults([{ route: 'fullnode.healthy', action: 'latency', ms: 400 }]);
    const started = Date.now();
    expect((await fetch(`${localnet.url}/v1/-/healthy`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });

  test('cut destroys the connection, before or after the handler acted', async () => {
    await setFaults([{ route: 'fullnode.healthy', action: 'cut' }]);
    await expect(fetch(`${localnet.url}/v1/-/healthy`)).rejects.toThrow();
    await setFaults([{ route: 'fullnode.healthy', action: 'cut', during: 'response' }]);
    const response = await fetch(`${localnet.url}/v1/-/healthy`);
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });

  test('stored-then-500 lets a transaction land and answers 500', async () => {
    const { transaction, name } = await registration();
    const before = await sequenceNumber();
    await setFaults([{ route: 'fullnode.submit', action: 'stored-then-500' }]);
    await expect(aptos.signAndSubmitTransaction({ signer: owner, transaction })).rejects.toThrow();
    expect(await sequenceNumber()).toBe(before + 1);
    const blobs = await getJson<{ blobs: { name: string }[] }>(`/localnet/blobs?owner=${address}`);
    expect(blobs.blobs.map((b) => b.name)).toContain(name);
  });

  test('sequence-conflict refuses a right sequence number once; the resubmission lands', async () => {
    const { transaction } = await registration();
    const before = await sequenceNumber();
    await setFaults([{ route: 'fullnode.submit', count: 1, action: 'sequence-conflict' }]);
    await expect(aptos.signAndSubmitTransaction({ signer: owner, transaction })).rejects.toThrow(
      /SEQUENCE_NUMBER_TOO_OLD/,
    );
    expect(await sequenceNumber()).toBe(before);
    const pending = await aptos.signAndSubmitTransaction({ signer: owner, transaction });
    await aptos.waitForTransaction({ transactionHash: pending.hash });
    expect(await sequenceNumber()).toBe(before + 1);
  });

  test('pending: the wait times out while the transaction lands later, once', async () => {
    const { transaction, name } = await registration();
    const before = await sequenceNumber();
    await setFaults([{ route: 'fullnode.submit', count: 1, action: 'pending', ms: 3000 }]);
    const pending = await aptos.signAndSubmitTransaction({ signer: owner, transaction });
    await expect(
      aptos.waitForTransaction({ transactionHash: pending.hash, options: { timeoutSecs: 1 } }),
    ).rejects.toThrow(/timed out in pending state/);
    expect(await getJson(`/v1/transactions/by_hash/${pending.hash}`)).toMatchObject({
      type: 'pending_transaction',
      hash: pending.hash,
    });

    // The same bytes again are the same pending transaction; another one with its sequence
    // number is refused as the mempool refuses it.
    const again = await aptos.transaction.submit.simple({
      transaction,
      senderAuthenticator: aptos.transaction.sign({ signer: owner, transaction }),
    });
    expect(again.hash).toBe(pending.hash);
    const rival = await aptos.transaction.build.simple({
      sender: owner.accountAddress,
      data: {
        function: `${SHELBY_DEPLOYER}::blob_metadata::register_blob`,
        functionArguments: ['faults/rival', Date.now() * 1000 + 3_600_000_000, ROOT, 1, 10, 0, 0],
      },
      options: { accountSequenceNumber: before },
    });
    await expect(
      aptos.signAndSubmitTransaction({ signer: owner, transaction: rival }),
    ).rejects.toThrow(/already in mempool/);

    const landed = await aptos.waitForTransaction({
      transactionHash: pending.hash,
      options: { timeoutSecs: 10 },
    });
    expect(landed).toMatchObject({ success: true });
    expect(await sequenceNumber()).toBe(before + 1);
    const txns = await getJson<{ transactions: { blobNames: string[] }[] }>(
      `/localnet/transactions?sender=${address}`,
    );
    expect(txns.transactions.filter((t) => t.blobNames.includes(name))).toHaveLength(1);
  });

  test('a restart drops transactions still pending, as a node drops its mempool', async () => {
    const { transaction } = await registration();
    await setFaults([{ route: 'fullnode.submit', count: 1, action: 'pending', ms: 60_000 }]);
    const pending = await aptos.signAndSubmitTransaction({ signer: owner, transaction });
    await localnet.close();
    localnet = await startLocalnet({ home, port: 0 });
    aptos = new Aptos(new AptosConfig({ network: Network.LOCAL, fullnode: `${localnet.url}/v1` }));
    const response = await fetch(`${localnet.url}/v1/transactions/by_hash/${pending.hash}`);
    expect(response.status).toBe(404);
  });

  test('rules are read from faults.yaml in the home at start, and a bad file stops the start', async () => {
    await localnet.close();
    fs.writeFileSync(
      path.join(home, 'faults.yaml'),
      'rules:\n  - route: fullnode.healthy\n    action: status\n    status: 502\n',
    );
    localnet = await startLocalnet({ home, port: 0 });
    expect((await fetch(`${localnet.url}/v1/-/healthy`)).status).toBe(502);
    expect((await getJson<FaultsView>('/localnet/faults')).source).toBe(
      path.join(home, 'faults.yaml'),
    );
    await localnet.close();

    fs.writeFileSync(path.join(home, 'faults.yaml'), '- route: rpc.nope\n  action: cut\n');
    await expect(startLocalnet({ home, port: 0 })).rejects.toThrow(
      /no localnet route is called rpc.nope/,
    );
    fs.rmSync(path.join(home, 'faults.yaml'));
    localnet = await startLocalnet({ home, port: 0 });
    expect((await getJson<FaultsView>('/localnet/faults')).rules).toEqual([]);
  });
});
