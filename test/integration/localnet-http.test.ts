import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  Account,
  Aptos,
  AptosConfig,
  Ed25519PrivateKey,
  generateUserTransactionHash,
  Network,
} from '@aptos-labs/ts-sdk';

import { SHELBY_DEPLOYER, SHELBYUSD_METADATA, startLocalnet } from '../../src/localnet/server';
import type { LocalnetBlobView, LocalnetTransactionView } from '../../src/localnet/routes-admin';
import { startTestLocalnet, type TestLocalnet } from '../helpers/localnet-harness';

const ROOT = `0x${'ab'.repeat(32)}`;
const HOUR_MICROS = 3_600_000_000;

/** The localnet's HTTP surfaces driven directly, without the Shelby SDK. */
describe('localnet HTTP API', () => {
  let net: TestLocalnet;
  let aptos: Aptos;
  const owner = Account.fromPrivateKey({ privateKey: Ed25519PrivateKey.generate() });
  const address = owner.accountAddress.toStringLong();

  /** Registers one blob with the ts-sdk, as the Shelby SDK would. */
  async function register(
    name: string,
    size: number,
    expirationMicros = Date.now() * 1000 + HOUR_MICROS,
  ) {
    const transaction = await aptos.transaction.build.simple({
      sender: owner.accountAddress,
      data: {
        function: `${SHELBY_DEPLOYER}::blob_metadata::register_blob`,
        functionArguments: [
          name,
          expirationMicros,
          Buffer.from(ROOT.slice(2), 'hex'),
          Math.max(1, Math.ceil(size / (10 * 1024 * 1024))),
          size,
          0,
          0,
        ],
      },
    });
    const pending = await aptos.signAndSubmitTransaction({ signer: owner, transaction });
    return aptos.waitForTransaction({
      transactionHash: pending.hash,
      options: { checkSuccess: false },
    });
  }

  async function startUpload(name: string, partSize = 4) {
    return fetch(`${net.url}/shelby/v1/multipart-uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rawAccount: address, rawBlobName: name, rawPartSize: partSize }),
    });
  }

  const putPart = (id: string, index: number, body: string) =>
    fetch(`${net.url}/shelby/v1/multipart-uploads/${id}/parts/${index}`, { method: 'PUT', body });
  const complete = (id: string) =>
    fetch(`${net.url}/shelby/v1/multipart-uploads/${id}/complete`, { method: 'POST' });
  const blobUrl = (name: string) =>
    `${net.url}/shelby/v1/blobs/${address}/${encodeURIComponent(name).replace(/%2F/g, '/')}`;

  beforeAll(async () => {
    net = await startTestLocalnet();
    await net.fund(address, 1_000_000_000, 1_000_000);
    aptos = new Aptos(new AptosConfig({ network: Network.LOCAL, fullnode: `${net.url}/v1` }));
  });

  afterAll(async () => {
    await net.cleanup();
  });

  test('health answers chain id 4', async () => {
    expect(await net.get('/localnet/health')).toEqual({ ok: true, chainId: 4 });
    expect(await net.get('/v1')).toMatchObject({ chain_id: 4 });
  });

  test('funding with onlyIfNew credits an account only the first time it is seen', async () => {
    const fresh = Account.generate().accountAddress.toString();
    const fund = async () => {
      const response = await fetch(`${net.url}/localnet/fund`, {
        method: 'POST',
        body: JSON.stringify({ address: fresh, apt: 5, shelbyusd: '7', onlyIfNew: true }),
      });
      return (await response.json()) as {
        funded: boolean;
        account: { apt: string; shelbyusd: string };
      };
    };
    expect(await fund()).toMatchObject({ funded: true, account: { apt: '5', shelbyusd: '7' } });
    expect(await fund()).toMatchObject({ funded: false, account: { apt: '5', shelbyusd: '7' } });
    const refused = await fetch(`${net.url}/localnet/fund`, {
      method: 'POST',
      body: JSON.stringify({ address: 'nope', apt: 1 }),
    });
    expect(refused.status).toBe(400);
  });

  test('JSON views answer APT and ShelbyUSD balances as exact decimal strings', async () => {
    const rich = Account.generate().accountAddress.toString();
    await net.fund(rich, 2n ** 60n, 123);
    type MoveId = `${string}::${string}::${string}`;
    const view = (fn: MoveId, typeArguments: MoveId[], functionArguments: string[]) =>
      aptos.viewJson<[string]>({ payload: { function: fn, typeArguments, functionArguments } });
    expect(await view('0x1::coin::balance', ['0x1::aptos_coin::AptosCoin'], [rich])).toEqual([
      String(2n ** 60n),
    ]);
    expect(
      await view(
        '0x1::primary_fungible_store::balance',
        ['0x1::fungible_asset::Metadata'],
        [rich, '0xa'],
      ),
    ).toEqual([String(2n ** 60n)]);
    expect(
      await view(
        '0x1::primary_fungible_store::balance',
        ['0x1::fungible_asset::Metadata'],
        [rich, SHELBYUSD_METADATA],
      ),
    ).toEqual(['123']);
    expect(await aptos.getBalance({ accountAddress: rich, asset: SHELBYUSD_METADATA })).toBe(123);
  });

  test('an unregistered blob cannot be uploaded or downloaded', async () => {
    const start = await startUpload('never/registered.bin');
    expect(start.status).toBe(404);
    expect(await start.json()).toMatchObject({ error: 'blob_not_registered' });
    expect((await fetch(blobUrl('never/registered.bin'))).status).toBe(404);
  });

  test('a multipart upload stores parts, refuses the wrong total size, then serves ranges', async () => {
    const name = 'dir/with space/ünïcode?#%.txt';
    expect(await register(name, 10)).toMatchObject({ success: true });
    expect((await fetch(blobUrl(name))).status).toBe(404);
    const { uploadId } = (await (await startUpload(name)).json()) as { uploadId: string };
    expect((await putPart(uploadId, 0, 'abcd')).status).toBe(200);
    expect((await putPart(uploadId, 1, 'efgh')).status).toBe(200);
    expect((await putPart(uploadId, 1, 'efghijk')).status).toBe(413);
    expect((await putPart(uploadId, 3, 'zz')).status).toBe(400);
    expect((await complete(uploadId)).status).toBe(400);
    expect((await putPart(uploadId, 2, 'ijk')).status).toBe(200);
    const tooLong = await complete(uploadId);
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toMatchObject({
      message: expect.stringContaining('registered with 10'),
    });
    expect((await putPart(uploadId, 2, 'ij')).status).toBe(200);
    expect((await complete(uploadId)).status).toBe(200);
    expect((await complete(uploadId)).status).toBe(404);

    const whole = await fetch(blobUrl(name));
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe('10');
    expect(await whole.text()).toBe('abcdefghij');
    const ranged = await fetch(blobUrl(name), { headers: { range: 'bytes=2-4' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe('bytes 2-4/10');
    expect(await ranged.text()).toBe('cde');
    const suffix = await fetch(blobUrl(name), { headers: { range: 'bytes=-3' } });
    expect(await suffix.text()).toBe('hij');
    const beyond = await fetch(blobUrl(name), { headers: { range: 'bytes=10-' } });
    expect(beyond.status).toBe(416);
    const head = await fetch(blobUrl(name), { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe('10');
  });

  test('an empty blob completes with no parts and downloads as zero bytes', async () => {
    expect(await register('empty.bin', 0)).toMatchObject({ success: true });
    const { uploadId } = (await (await startUpload('empty.bin')).json()) as { uploadId: string };
    expect((await complete(uploadId)).status).toBe(200);
    const response = await fetch(blobUrl('empty.bin'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('0');
    expect(await response.text()).toBe('');
  });

  test('the chain refuses a wrong chunkset count and a past expiration, and frees expired names', async () => {
    const wrongCount = await aptos.transaction.build.simple({
      sender: owner.accountAddress,
      data: {
        function: `${SHELBY_DEPLOYER}::blob_metadata::register_blob`,
        functionArguments: [
          'chunksets.bin',
          Date.now() * 1000 + HOUR_MICROS,
          Buffer.from(ROOT.slice(2), 'hex'),
          2,
          5,
          0,
          0,
        ],
      },
    });
    const pending = await aptos.signAndSubmitTransaction({
      signer: owner,
      transaction: wrongCount,
    });
    expect(
      await aptos.waitForTransaction({
        transactionHash: pending.hash,
        options: { checkSuccess: false },
      }),
    ).toMatchObject({
      success: false,
      vm_status: expect.stringContaining('E_INVALID_CHUNKSET_COUNT'),
    });
    expect(await register('past.bin', 5, Date.now() * 1000 - 1)).toMatchObject({
      success: false,
      vm_status: expect.stringContaining('E_INVALID_EXPIRATION_TIME'),
    });
    expect(await register('short-lived.bin', 5, Date.now() * 1000 + 1_500_000)).toMatchObject({
      success: true,
    });
    expect(await register('short-lived.bin', 5)).toMatchObject({
      success: false,
      vm_status: expect.stringContaining('EALREADY_EXISTS'),
    });
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(await register('short-lived.bin', 5)).toMatchObject({ success: true });
  });

  test('a sequence number ahead of the account is refused as SEQUENCE_NUMBER_TOO_NEW', async () => {
    const transaction = await aptos.transaction.build.simple({
      sender: owner.accountAddress,
      data: {
        function: `${SHELBY_DEPLOYER}::blob_metadata::register_blob`,
        functionArguments: [
          'ahead.bin',
          Date.now() * 1000 + HOUR_MICROS,
          Buffer.from(ROOT.slice(2), 'hex'),
          1,
          5,
          0,
          0,
        ],
      },
      options: { accountSequenceNumber: 1000 },
    });
    await expect(aptos.signAndSubmitTransaction({ signer: owner, transaction })).rejects.toThrow(
      'SEQUENCE_NUMBER_TOO_NEW',
    );
  });

  test('a submitted transaction gets the hash the Aptos SDK computes for it', async () => {
    const transaction = await aptos.transaction.build.simple({
      sender: owner.accountAddress,
      data: {
        function: `${SHELBY_DEPLOYER}::blob_metadata::register_blob`,
        functionArguments: [
          'hashed.bin',
          Date.now() * 1000 + HOUR_MICROS,
          Buffer.from(ROOT.slice(2), 'hex'),
          1,
          5,
          0,
          0,
        ],
      },
    });
    const senderAuthenticator = aptos.transaction.sign({ signer: owner, transaction });
    const expected = generateUserTransactionHash({ transaction, senderAuthenticator });
    const pending = await aptos.transaction.submit.simple({ transaction, senderAuthenticator });
    expect(pending.hash).toBe(expected);
    expect(await aptos.waitForTransaction({ transactionHash: expected })).toMatchObject({
      success: true,
    });
  });

  test('transaction lookups answer the committed transaction, and 404 for unknown hashes', async () => {
    const [last] = (
      await net.get<{ transactions: LocalnetTransactionView[] }>(
        `/localnet/transactions?sender=${address}`,
      )
    ).transactions.slice(-1);
    expect(await net.get(`/v1/transactions/by_hash/${last.hash}`)).toMatchObject({
      type: 'user_transaction',
      hash: last.hash,
      success: true,
      sender: address,
      sequence_number: String(last.sequenceNumber),
      gas_used: last.gasUsed,
    });
    expect((await fetch(`${net.url}/v1/transactions/by_hash/0x${'00'.repeat(32)}`)).status).toBe(
      404,
    );
    expect(
      (await fetch(`${net.url}/v1/transactions/wait_by_hash/0x${'00'.repeat(32)}`)).status,
    ).toBe(404);
  });

  test('the indexer filters blobs by name, owner and expiry, and pages with limit and offset', async () => {
    const query = async (variables: Record<string, unknown>) => {
      const response = await fetch(`${net.url}/shelby-indexer/v1/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query:
            'query getBlobs($where: blobs_bool_exp, $limit: Int, $offset: Int) { blobs(where: $where, limit: $limit, offset: $offset) { blob_name } }',
          variables,
          operationName: 'getBlobs',
        }),
      });
      return (
        (await response.json()) as { data: { blobs: { blob_name: string; is_written: string }[] } }
      ).data.blobs;
    };
    const mine = await query({ where: { owner: { _eq: address } } });
    const all = (await net.get<{ blobs: LocalnetBlobView[] }>(`/localnet/blobs?owner=${address}`))
      .blobs;
    expect(mine.map((b) => b.blob_name)).toEqual(all.map((b) => b.key));
    const key = `@${address.slice(2)}/empty.bin`;
    expect(
      await query({ where: { blob_name: { _in: [key, '@00/nope'] }, is_deleted: { _eq: '0' } } }),
    ).toEqual([expect.objectContaining({ blob_name: key, is_written: '1', size: '0' })]);
    expect(
      await query({ where: { expires_at: { _gte: String(Date.now() * 1000 + 2 * HOUR_MICROS) } } }),
    ).toEqual([]);
    const paged = await query({ where: { owner: { _eq: address } }, limit: 2, offset: 1 });
    expect(paged.map((b) => b.blob_name)).toEqual(all.slice(1, 3).map((b) => b.key));
  });

  test('a second localnet on the same home is refused while the first runs', async () => {
    await expect(startLocalnet({ home: net.home, port: 0 })).rejects.toThrow(
      /already runs a localnet|Another localnet/,
    );
  });

  test('a journal line torn by a crash is dropped at the next start', async () => {
    const journal = path.join(net.home, 'ledger', 'journal.jsonl');
    const before = await net.get<unknown>('/localnet/accounts');
    await net.localnet.close();
    fs.appendFileSync(journal, '{"seq":99999,"event":{"type":"fu');
    await net.restart();
    expect(await net.get<unknown>('/localnet/accounts')).toEqual(before);
    expect(fs.readFileSync(journal, 'utf8').endsWith('\n')).toBe(true);
  });
});
