import { Account, Ed25519PrivateKey } from '@aptos-labs/ts-sdk';

import type {
  LocalnetAccountView,
  LocalnetBlobView,
  LocalnetTransactionView,
} from '../../src/localnet/routes-admin';
import { startTestLocalnet, runSdkSteps, type TestLocalnet } from '../helpers/localnet-harness';

const pricing = {
  gasUnitPrice: 120,
  gasPerTransaction: 400,
  gasPerBlob: 30,
  storagePerBlob: 700,
  storagePerMiB: 9000,
};
const MIB = 1024 * 1024;
const APT_FUNDS = 10_000_000_000n;
const SHELBYUSD_FUNDS = 5_000_000n;

/** Octas a transaction registering `blobs` blobs costs at the test prices. */
const gasFee = (blobs: number) =>
  BigInt((pricing.gasPerTransaction + pricing.gasPerBlob * blobs) * pricing.gasUnitPrice);
/** ShelbyUSD units storing a blob of `size` bytes costs at the test prices. */
const storageFee = (size: number) =>
  BigInt(pricing.storagePerBlob + pricing.storagePerMiB * Math.ceil(size / MIB));

function newKey(): { hex: string; address: string } {
  const privateKey = Ed25519PrivateKey.generate();
  return {
    hex: privateKey.toString(),
    address: Account.fromPrivateKey({ privateKey }).accountAddress.toStringLong(),
  };
}

describe('localnet with the unmodified Shelby SDK', () => {
  let net: TestLocalnet;
  const alice = newKey();
  const keys = { alice: alice.hex };
  let expectedApt = APT_FUNDS;
  let expectedShelbyusd = SHELBYUSD_FUNDS;

  const accountOf = async (address: string) =>
    (await net.get<{ accounts: LocalnetAccountView[] }>('/localnet/accounts')).accounts.find(
      (a) => a.address === address,
    );
  const transactionsOf = async (address: string) =>
    (
      await net.get<{ transactions: LocalnetTransactionView[] }>(
        `/localnet/transactions?sender=${address}`,
      )
    ).transactions;
  const blobsOf = async (address: string) =>
    (await net.get<{ blobs: LocalnetBlobView[] }>(`/localnet/blobs?owner=${address}`)).blobs;

  beforeAll(async () => {
    net = await startTestLocalnet({ pricing });
    await net.fund(alice.address, APT_FUNDS, SHELBYUSD_FUNDS);
  });

  afterAll(async () => {
    await net.cleanup();
  });

  test('upload registers a fresh blob, stores it, and charges gas and storage at the configured prices', async () => {
    const [result, balances] = await runSdkSteps(net.url, keys, [
      { op: 'upload', signer: 'alice', name: 'docs/hello.txt', size: 1000, seed: 1 },
      { op: 'balances', owner: 'alice' },
    ]);
    expect(result).toMatchObject({ ok: true });
    expectedApt -= gasFee(1);
    expectedShelbyusd -= storageFee(1000);
    expect(balances).toMatchObject({
      ok: true,
      apt: Number(expectedApt),
      shelbyusd: Number(expectedShelbyusd),
      shelbyusdView: expectedShelbyusd.toString(),
    });
    const [blob] = await blobsOf(alice.address);
    expect(blob).toMatchObject({
      name: 'docs/hello.txt',
      size: 1000,
      isWritten: true,
      numChunksets: 1,
    });
  });

  test('uploading the same blob again neither registers it again nor pays again', async () => {
    const [result] = await runSdkSteps(net.url, keys, [
      { op: 'upload', signer: 'alice', name: 'docs/hello.txt', size: 1000, seed: 1 },
    ]);
    expect(result).toMatchObject({ ok: true });
    expect(await transactionsOf(alice.address)).toHaveLength(1);
    expect(await accountOf(alice.address)).toMatchObject({
      sequenceNumber: 1,
      apt: expectedApt.toString(),
      shelbyusd: expectedShelbyusd.toString(),
    });
  });

  test('batchUpload registers only the missing blobs in one transaction, a 6 MiB blob in two parts', async () => {
    const big = 6 * MIB + 17;
    const [result] = await runSdkSteps(net.url, keys, [
      {
        op: 'batchUpload',
        signer: 'alice',
        blobs: [
          { name: 'docs/hello.txt', size: 1000, seed: 1 },
          { name: 'batch/small.bin', size: 10, seed: 2 },
          { name: 'batch/big.bin', size: big, seed: 3 },
        ],
      },
    ]);
    expect(result).toMatchObject({ ok: true });
    const txns = await transactionsOf(alice.address);
    expect(txns).toHaveLength(2);
    expect(txns[1]).toMatchObject({
      success: true,
      blobNames: ['batch/small.bin', 'batch/big.bin'],
    });
    expectedApt -= gasFee(2);
    expectedShelbyusd -= storageFee(10) + storageFee(big);
    expect(await accountOf(alice.address)).toMatchObject({
      apt: expectedApt.toString(),
      shelbyusd: expectedShelbyusd.toString(),
    });
    const blobs = await blobsOf(alice.address);
    expect(blobs.map((b) => [b.name, b.isWritten])).toEqual([
      ['docs/hello.txt', true],
      ['batch/small.bin', true],
      ['batch/big.bin', true],
    ]);
  });

  test('download returns whole blobs and byte ranges', async () => {
    const big = 6 * MIB + 17;
    const results = await runSdkSteps(net.url, keys, [
      { op: 'download', owner: 'alice', name: 'batch/big.bin', size: big, seed: 3 },
      {
        op: 'download',
        owner: 'alice',
        name: 'batch/big.bin',
        size: big,
        seed: 3,
        range: { start: 5 * MIB - 3, end: 5 * MIB + 9 },
      },
      {
        op: 'download',
        owner: 'alice',
        name: 'docs/hello.txt',
        size: 1000,
        seed: 1,
        range: { start: 0, end: 0 },
      },
      { op: 'metadata', owner: 'alice', name: 'batch/big.bin' },
      { op: 'metadata', owner: 'alice', name: 'batch/missing.bin' },
    ]);
    expect(results).toEqual([
      { ok: true, length: big, contentLength: big, matches: true },
      { ok: true, length: 13, contentLength: 13, matches: true },
      { ok: true, length: 1, contentLength: 1, matches: true },
      { ok: true, found: true, size: big, isWritten: true },
      { ok: true, found: false },
    ]);
  });

  test('a duplicate registration fails on chain with an error isBlobAlreadyExistsError recognises, and still pays gas', async () => {
    const [result] = await runSdkSteps(net.url, keys, [
      { op: 'register', signer: 'alice', name: 'batch/small.bin', size: 10, seed: 2 },
    ]);
    expect(result).toMatchObject({ ok: false, isBlobAlreadyExistsError: true });
    expect(result.error).toContain('EALREADY_EXISTS');
    const txns = await transactionsOf(alice.address);
    expect(txns.at(-1)).toMatchObject({
      success: false,
      storageFee: '0',
      blobNames: ['batch/small.bin'],
    });
    expectedApt -= gasFee(1);
    expect(await accountOf(alice.address)).toMatchObject({
      sequenceNumber: 3,
      apt: expectedApt.toString(),
      shelbyusd: expectedShelbyusd.toString(),
    });
  });

  test('a bad signature and a stale sequence number are refused without executing or charging', async () => {
    const results = await runSdkSteps(net.url, keys, [
      { op: 'submitBadSignature', signer: 'alice', name: 'refused/a.bin', size: 5, seed: 4 },
      { op: 'submitStaleSequence', signer: 'alice', name: 'refused/b.bin', size: 5, seed: 5 },
    ]);
    expect(results[0]).toMatchObject({ ok: false });
    expect(results[0].error).toContain('INVALID_SIGNATURE');
    expect(results[1]).toMatchObject({ ok: false });
    expect(results[1].error).toContain('SEQUENCE_NUMBER_TOO_OLD');
    expect(await transactionsOf(alice.address)).toHaveLength(3);
    expect(await accountOf(alice.address)).toMatchObject({
      sequenceNumber: 3,
      apt: expectedApt.toString(),
    });
  });

  test('a registration the account cannot pay for aborts with E_INSUFFICIENT_FUNDS and pays only gas', async () => {
    const poor = newKey();
    await net.fund(poor.address, APT_FUNDS, 100);
    const [result] = await runSdkSteps(net.url, { poor: poor.hex }, [
      { op: 'upload', signer: 'poor', name: 'too/expensive.bin', size: 10, seed: 6 },
    ]);
    expect(result).toMatchObject({ ok: false });
    expect(result.error).toContain('E_INSUFFICIENT_FUNDS');
    expect(await accountOf(poor.address)).toMatchObject({
      sequenceNumber: 1,
      apt: (APT_FUNDS - gasFee(1)).toString(),
      shelbyusd: '100',
    });
    expect(await blobsOf(poor.address)).toEqual([]);
  });

  test('an account without APT for the maximum fee is refused before execution', async () => {
    const broke = newKey();
    await net.fund(broke.address, 1000, SHELBYUSD_FUNDS);
    const [result] = await runSdkSteps(net.url, { broke: broke.hex }, [
      { op: 'upload', signer: 'broke', name: 'no/gas.bin', size: 10, seed: 7 },
    ]);
    expect(result.error).toContain('INSUFFICIENT_BALANCE_FOR_TRANSACTION_FEE');
    expect(await accountOf(broke.address)).toMatchObject({ sequenceNumber: 0, apt: '1000' });
  });

  test('accounts, blobs, transactions and bytes survive a restart', async () => {
    const before = {
      accounts: await net.get<unknown>('/localnet/accounts'),
      blobs: await net.get<unknown>('/localnet/blobs'),
      transactions: await net.get<unknown>('/localnet/transactions'),
    };
    await net.restart();
    expect({
      accounts: await net.get<unknown>('/localnet/accounts'),
      blobs: await net.get<unknown>('/localnet/blobs'),
      transactions: await net.get<unknown>('/localnet/transactions'),
    }).toEqual(before);
    const big = 6 * MIB + 17;
    const results = await runSdkSteps(net.url, keys, [
      { op: 'download', owner: 'alice', name: 'batch/big.bin', size: big, seed: 3 },
      { op: 'upload', signer: 'alice', name: 'after/restart.bin', size: 2048, seed: 8 },
    ]);
    expect(results).toEqual([
      { ok: true, length: big, contentLength: big, matches: true },
      { ok: true, sha256: expect.any(String) },
    ]);
    expect(await accountOf(alice.address)).toMatchObject({ sequenceNumber: 4 });
  });
});
