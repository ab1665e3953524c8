/**
 * Child-process driver of the unmodified Shelby SDK against a localnet. Jest cannot load the
 * ESM-only SDK, so `runSdkSteps` (localnet-harness.ts) compiles this file to an ES module and runs
 * it with node. Input: argv[2] is JSON `{ url, steps }`; private keys come in the environment
 * variable LOCALNET_TEST_KEYS as JSON `{ alias: hex }`. Output: one JSON line, a result per step.
 */
import { createHash } from 'node:crypto';

import type * as AptosSdk from '@aptos-labs/ts-sdk' with { 'resolution-mode': 'import' };
import type * as ShelbySdk from '@shelby-protocol/sdk/node' with { 'resolution-mode': 'import' };

/** Deterministic test bytes: the same (seed, size) always gives the same blob. */
export function testBytes(seed: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A blob described by name and generator seed. */
export interface StepBlob {
  name: string;
  size: number;
  seed: number;
}

/** One SDK operation; `signer` and `owner` are key aliases. */
export type SdkStep =
  | ({ op: 'upload'; signer: string } & StepBlob)
  | { op: 'batchUpload'; signer: string; blobs: StepBlob[] }
  | ({ op: 'download'; owner: string; range?: { start: number; end: number } } & StepBlob)
  | ({ op: 'register'; signer: string } & StepBlob)
  | ({ op: 'submitBadSignature'; signer: string } & StepBlob)
  | ({ op: 'submitStaleSequence'; signer: string } & StepBlob)
  | { op: 'balances'; owner: string }
  | { op: 'metadata'; owner: string; name: string };

/** What a step reports: `ok` with details, or the error message. */
export interface SdkStepResult {
  ok: boolean;
  error?: string;
  isBlobAlreadyExistsError?: boolean;
  [key: string]: unknown;
}

const HOUR_MICROS = 3_600_000_000;

async function main(): Promise<void> {
  const { url, steps } = JSON.parse(process.argv[2]) as { url: string; steps: SdkStep[] };
  const keys = JSON.parse(process.env.LOCALNET_TEST_KEYS ?? '{}') as Record<string, string>;
  const aptos: typeof AptosSdk = await import('@aptos-labs/ts-sdk');
  const shelby: typeof ShelbySdk = await import('@shelby-protocol/sdk/node');
  const accounts = new Map<string, AptosSdk.Account>();
  for (const [alias, hex] of Object.entries(keys)) {
    accounts.set(
      alias,
      aptos.Account.fromPrivateKey({ privateKey: new aptos.Ed25519PrivateKey(hex) }),
    );
  }
  const account = (alias: string): AptosSdk.Account => {
    const found = accounts.get(alias);
    if (!found) throw new Error(`no key for ${alias}`);
    return found;
  };
  const client = new shelby.ShelbyNodeClient({
    network: aptos.Network.LOCAL,
    aptos: { fullnode: `${url}/v1`, indexer: `${url}/v1/graphql` },
    indexer: { baseUrl: `${url}/shelby-indexer/v1/graphql` },
    rpc: { baseUrl: `${url}/shelby` },
  });
  const expirationMicros = () => Date.now() * 1000 + HOUR_MICROS;

  /** A signed registration of `blob`, built by the SDK's own payload builder. */
  const buildRegistration = async (
    signer: AptosSdk.Account,
    blob: StepBlob,
    options?: { accountSequenceNumber?: number },
  ) =>
    client.aptos.transaction.build.simple({
      sender: signer.accountAddress,
      data: shelby.ShelbyBlobClient.createRegisterBlobPayload({
        account: signer.accountAddress,
        blobName: blob.name,
        blobSize: blob.size,
        blobMerkleRoot: `0x${sha256(testBytes(blob.seed, blob.size))}`,
        numChunksets: shelby.expectedTotalChunksets(blob.size),
        expirationMicros: expirationMicros(),
      }),
      options,
    });

  const run = async (step: SdkStep): Promise<Record<string, unknown>> => {
    switch (step.op) {
      case 'upload': {
        const data = testBytes(step.seed, step.size);
        await client.upload({
          blobData: data,
          signer: account(step.signer),
          blobName: step.name,
          expirationMicros: expirationMicros(),
        });
        return { sha256: sha256(data) };
      }
      case 'batchUpload': {
        await client.batchUpload({
          blobs: step.blobs.map((b) => ({ blobName: b.name, blobData: testBytes(b.seed, b.size) })),
          signer: account(step.signer),
          expirationMicros: expirationMicros(),
        });
        return {};
      }
      case 'download': {
        const blob = await client.download({
          account: account(step.owner).accountAddress,
          blobName: step.name,
          range: step.range,
        });
        const bytes = new Uint8Array(await new Response(blob.readable).arrayBuffer());
        const all = testBytes(step.seed, step.size);
        const expected = step.range ? all.subarray(step.range.start, step.range.end + 1) : all;
        return {
          length: bytes.length,
          contentLength: blob.contentLength,
          matches: sha256(bytes) === sha256(expected),
        };
      }
      case 'register': {
        const signer = account(step.signer);
        const { transaction } = await client.coordination.registerBlob({
          account: signer,
          blobName: step.name,
          blobMerkleRoot: `0x${sha256(testBytes(step.seed, step.size))}`,
          size: step.size,
          expirationMicros: expirationMicros(),
        });
        await client.aptos.waitForTransaction({ transactionHash: transaction.hash });
        return { hash: transaction.hash };
      }
      case 'submitBadSignature': {
        const signer = account(step.signer);
        const transaction = await buildRegistration(signer, step);
        const good = signer.signTransactionWithAuthenticator(transaction);
        if (!(good instanceof aptos.AccountAuthenticatorEd25519))
          throw new Error('expected an Ed25519 authenticator');
        const bytes = good.signature.toUint8Array().slice();
        bytes[0] ^= 0xff;
        const senderAuthenticator = new aptos.AccountAuthenticatorEd25519(
          good.public_key,
          new aptos.Ed25519Signature(bytes),
        );
        const pending = await client.aptos.transaction.submit.simple({
          transaction,
          senderAuthenticator,
        });
        return { hash: pending.hash };
      }
      case 'submitStaleSequence': {
        const signer = account(step.signer);
        const transaction = await buildRegistration(signer, step, { accountSequenceNumber: 0 });
        const pending = await client.aptos.signAndSubmitTransaction({ signer, transaction });
        return { hash: pending.hash };
      }
      case 'balances': {
        const address = account(step.owner).accountAddress;
        const apt = await client.aptos.getBalance({
          accountAddress: address,
          asset: '0x1::aptos_coin::AptosCoin',
        });
        const shelbyusd = await client.aptos.getBalance({
          accountAddress: address,
          asset: shelby.SHELBYUSD_FA_METADATA_ADDRESS,
        });
        const [viewed] = await client.aptos.viewJson<[string]>({
          payload: {
            function: '0x1::primary_fungible_store::balance',
            typeArguments: ['0x1::fungible_asset::Metadata'],
            functionArguments: [address.toString(), shelby.SHELBYUSD_FA_METADATA_ADDRESS],
          },
        });
        return { apt, shelbyusd, shelbyusdView: viewed };
      }
      case 'metadata': {
        const metadata = await client.coordination.getBlobMetadata({
          account: account(step.owner).accountAddress,
          name: step.name,
        });
        return metadata
          ? { found: true, size: metadata.size, isWritten: metadata.isWritten }
          : { found: false };
      }
    }
  };

  const results: SdkStepResult[] = [];
  for (const step of steps) {
    try {
      results.push({ ok: true, ...(await run(step)) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results.push({
        ok: false,
        error: message,
        isBlobAlreadyExistsError: shelby.isBlobAlreadyExistsError(message),
      });
    }
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

if (process.argv[2]) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
