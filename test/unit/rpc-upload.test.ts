import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Account, Aptos, AptosConfig, Ed25519PrivateKey, Network } from '@aptos-labs/ts-sdk';

import { SHELBY_DEPLOYER, startLocalnet, type Localnet } from '../../src/localnet/server';
import type { FaultRule, FaultsView } from '../../src/localnet/server';
import { AimdLimiter } from '../../src/shelby/aimd-limiter';
import {
  RpcUploadError,
  uploadBlobFile,
  type RpcUploadCheckpoint,
  type UploadBlobFileOptions,
} from '../../src/shelby/rpc-upload';

const ROOT = Buffer.alloc(32, 0xab);
/** The routes of an upload; reading a blob back stays out of the faults. */
const UPLOAD_ROUTES = ['rpc.start', 'rpc.putPart', 'rpc.complete'];
const KIB = 1024;

/** The resilient RPC upload client against a localnet injecting faults. */
describe('uploadBlobFile', () => {
  let home: string;
  let files: string;
  let localnet: Localnet;
  let aptos: Aptos;
  const authorizations: (string | undefined)[] = [];
  const owner = Account.fromPrivateKey({ privateKey: Ed25519PrivateKey.generate() });
  const address = owner.accountAddress.toStringLong();
  let serial = 0;

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'rpc-upload-net-'));
    files = fs.mkdtempSync(path.join(os.tmpdir(), 'rpc-upload-files-'));
    localnet = await startLocalnet({
      home,
      port: 0,
      interceptor: async (request, next) => {
        if (request.route.startsWith('rpc.') && request.route !== 'rpc.getBlob') {
          authorizations.push(request.incoming.headers.authorization);
        }
        return next();
      },
    });
    await fetch(`${localnet.url}/localnet/fund`, {
      method: 'POST',
      body: JSON.stringify({ address, apt: '100000000000', shelbyusd: '100000000000' }),
    });
    aptos = new Aptos(new AptosConfig({ network: Network.LOCAL, fullnode: `${localnet.url}/v1` }));
  });

  afterAll(async () => {
    await localnet.close();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(files, { recursive: true, force: true });
  });

  beforeEach(() => {
    localnet.faults.set([]);
    authorizations.length = 0;
  });

  /** A registered blob and its file, with `size` random bytes. */
  async function blob(size: number): Promise<{ name: string; file: string; bytes: Buffer }> {
    serial += 1;
    const name = `rpc-upload/${serial}/file.bin`;
    const bytes = randomBytes(size);
    const file = path.join(files, `${serial}.bin`);
    fs.writeFileSync(file, bytes);
    const transaction = await aptos.transaction.build.simple({
      sender: owner.accountAddress,
      data: {
        function: `${SHELBY_DEPLOYER}::blob_metadata::register_blob`,
        functionArguments: [
          name,
          Date.now() * 1000 + 3_600_000_000,
          ROOT,
          Math.max(1, Math.ceil(size / (10 * 1024 * 1024))),
          size,
          0,
          0,
        ],
      },
    });
    const pending = await aptos.signAndSubmitTransaction({ signer: owner, transaction });
    await aptos.waitForTransaction({ transactionHash: pending.hash });
    return { name, file, bytes };
  }

  function options(
    target: { name: string; file: string; bytes: Buffer },
    extra: Partial<UploadBlobFileOptions> = {},
  ): UploadBlobFileOptions {
    return {
      rpcBaseUrl: `${localnet.url}/shelby`,
      account: address,
      blobName: target.name,
      path: target.file,
      size: target.bytes.length,
      limiter: new AimdLimiter(),
      retry: { baseDelayMs: 20, maxDelayMs: 100 },
      ...extra,
    };
  }

  async function stored(name: string): Promise<Buffer> {
    const response = await fetch(`${localnet.url}/shelby/v1/blobs/${address}/${name}`);
    if (!response.ok) throw new Error(`${name}: ${response.status} ${await response.text()}`);
    return Buffer.from(await response.arrayBuffer());
  }

  async function isWritten(name: string): Promise<boolean> {
    const response = await fetch(`${localnet.url}/localnet/blobs?owner=${address}`);
    const body = (await response.json()) as { blobs: { name: string; isWritten: boolean }[] };
    return body.blobs.find((b) => b.name === name)?.isWritten ?? false;
  }

  const requests = (route: string): number => localnet.faults.view().requests[route] ?? 0;
  const fired = (): number[] => localnet.faults.view().rules.map((r) => r.fired);

  function setFaults(rules: FaultRule[]): void {
    localnet.faults.set(rules);
  }

  async function failure(promise: Promise<unknown>): Promise<RpcUploadError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RpcUploadError);
    return error as RpcUploadError;
  }

  test('streams a file in 5 MiB parts and the node stores exactly its bytes', async () => {
    const target = await blob(12 * 1024 * 1024 + 3);
    setFaults([]);
    const progress: number[] = [];
    await uploadBlobFile(
      options(target, {
        apiKey: 'demo-key',
        onProgress: (p) => p.phase === 'uploading' && progress.push(p.uploadedBytes),
      }),
    );
    expect((await stored(target.name)).equals(target.bytes)).toBe(true);
    expect(Math.max(...progress)).toBe(target.bytes.length);
    expect(authorizations.length).toBe(5);
    expect(authorizations.every((a) => a === 'Bearer demo-key')).toBe(true);
  });

  test('an empty file is a start and a complete with no part, and reads back empty', async () => {
    const target = await blob(0);
    setFaults([{ route: UPLOAD_ROUTES, action: 'latency', ms: 0 }]);
    await uploadBlobFile(options(target));
    expect(requests('rpc.putPart')).toBe(0);
    expect(requests('rpc.start')).toBe(1);
    expect(requests('rpc.complete')).toBe(1);
    expect((await stored(target.name)).length).toBe(0);
    expect(await isWritten(target.name)).toBe(true);
  });

  test('waits out 429s with Retry-After without spending tries, and the limiter halves', async () => {
    const target = await blob(40 * KIB);
    setFaults([{ route: UPLOAD_ROUTES, every: 3, action: '429', retryAfter: 1 }]);
    const limiter = new AimdLimiter({ initial: 8 });
    const started = Date.now();
    await uploadBlobFile(
      options(target, { partSize: 4 * KIB, limiter, retry: { attempts: 1, baseDelayMs: 20 } }),
    );
    expect((await stored(target.name)).equals(target.bytes)).toBe(true);
    expect(fired()[0]).toBeGreaterThanOrEqual(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(limiter.limit).toBeLessThan(8);
  });

  test('reads Retry-After given as an HTTP date', async () => {
    const target = await blob(3 * KIB);
    setFaults([
      { route: 'rpc.start', count: 1, action: '429', retryAfter: 2, retryAfterFormat: 'date' },
    ]);
    const started = Date.now();
    await uploadBlobFile(options(target, { retry: { attempts: 1 } }));
    // An HTTP date has whole seconds, so the wait is between 1 and 2 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(await isWritten(target.name)).toBe(true);
  });

  test('gives up as transient once the total 429 wait passes its bound', async () => {
    const target = await blob(KIB);
    setFaults([{ route: 'rpc.start', action: '429', retryAfter: 1 }]);
    const error = await failure(
      uploadBlobFile(options(target, { retry: { maxRateLimitWaitMs: 2500 } })),
    );
    expect(error).toMatchObject({ class: 'transient', type: 'RateLimited', status: 429 });
    expect(requests('rpc.start')).toBe(3);
  });

  test('retries parts on 5xx and on connections cut mid-body', async () => {
    const target = await blob(20 * KIB);
    setFaults([
      { route: 'rpc.putPart', every: 2, count: 3, action: 'status', status: 503 },
      { route: 'rpc.putPart', after: 1, count: 2, action: 'cut' },
      { route: 'rpc.start', count: 1, action: 'status', status: 502 },
    ]);
    await uploadBlobFile(options(target, { partSize: 4 * KIB }));
    expect(fired()).toEqual([3, 2, 1]);
    expect((await stored(target.name)).equals(target.bytes)).toBe(true);
  });

  test('a part that keeps failing ends as transient with its status', async () => {
    const target = await blob(KIB);
    setFaults([{ route: 'rpc.putPart', action: 'status', status: 503 }]);
    const error = await failure(uploadBlobFile(options(target, { retry: { attempts: 3 } })));
    expect(error).toMatchObject({ class: 'transient', type: 'ServerError', status: 503 });
    expect(requests('rpc.putPart')).toBe(3);
    expect(requests('rpc.complete')).toBe(0);
  });

  test('a 4xx refusal is permanent', async () => {
    const target = await blob(KIB);
    setFaults([{ route: 'rpc.putPart', action: 'status', status: 400 }]);
    const error = await failure(uploadBlobFile(options(target)));
    expect(error).toMatchObject({ class: 'permanent', type: 'UploadRefused', status: 400 });
    expect(requests('rpc.putPart')).toBe(1);
  });

  test('a complete that stored the blob and answered 500 is ambiguous, never resent', async () => {
    const target = await blob(2 * KIB);
    setFaults([{ route: 'rpc.complete', count: 1, action: 'stored-then-500' }]);
    const error = await failure(uploadBlobFile(options(target)));
    expect(error).toMatchObject({ class: 'ambiguous', type: 'CompleteAmbiguous', status: 500 });
    expect(requests('rpc.complete')).toBe(1);
    expect(await isWritten(target.name)).toBe(true);
  });

  test('with confirmWritten, a stored-then-500 complete settles as done without resending', async () => {
    const target = await blob(2 * KIB);
    setFaults([{ route: 'rpc.complete', count: 1, action: 'stored-then-500' }]);
    const confirm = jest.fn(() => isWritten(target.name));
    await uploadBlobFile(options(target, { confirmWritten: confirm }));
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(requests('rpc.complete')).toBe(1);
    expect((await stored(target.name)).equals(target.bytes)).toBe(true);
  });

  test('with confirmWritten, a complete that did nothing is sent again', async () => {
    const target = await blob(2 * KIB);
    setFaults([
      { route: 'rpc.complete', count: 1, action: 'status', status: 500 },
      { route: 'rpc.complete', after: 1, count: 1, action: 'cut' },
    ]);
    await uploadBlobFile(options(target, { confirmWritten: () => isWritten(target.name) }));
    expect(requests('rpc.complete')).toBe(3);
    expect((await stored(target.name)).equals(target.bytes)).toBe(true);
  });

  test('a complete whose answer is cut after the node acted counts as done', async () => {
    const target = await blob(2 * KIB);
    setFaults([{ route: 'rpc.complete', count: 1, action: 'cut', during: 'response' }]);
    await uploadBlobFile(options(target));
    expect(requests('rpc.complete')).toBe(1);
    expect(await isWritten(target.name)).toBe(true);
  });

  test('continues from a checkpoint, sending only the parts not yet stored', async () => {
    const target = await blob(10 * KIB);
    const checkpoints: RpcUploadCheckpoint[] = [];
    const controller = new AbortController();
    setFaults([{ route: 'rpc.putPart', after: 4, action: 'latency', ms: 5000 }]);
    const first = uploadBlobFile(
      options(target, {
        partSize: KIB,
        partConcurrency: 1,
        signal: controller.signal,
        onCheckpoint: (c) => {
          checkpoints.push(c);
          if (c.partsDone === 4) controller.abort(new Error('worker stopped'));
        },
      }),
    );
    await expect(first).rejects.toThrow('worker stopped');
    const last = checkpoints[checkpoints.length - 1];
    expect(last.partsDone).toBe(4);

    setFaults([]);
    await uploadBlobFile(options(target, { partSize: KIB, resume: last }));
    expect(requests('rpc.start')).toBe(0);
    expect(requests('rpc.putPart')).toBe(6);
    expect((await stored(target.name)).equals(target.bytes)).toBe(true);
  });

  test('never continues a session of another blob or size', async () => {
    const first = await blob(4 * KIB);
    const checkpoints: RpcUploadCheckpoint[] = [];
    const controller = new AbortController();
    setFaults([{ route: 'rpc.putPart', after: 2, action: 'latency', ms: 5000 }]);
    await expect(
      uploadBlobFile(
        options(first, {
          partSize: KIB,
          partConcurrency: 1,
          signal: controller.signal,
          onCheckpoint: (c) => {
            checkpoints.push(c);
            if (c.partsDone === 2) controller.abort(new Error('stopped'));
          },
        }),
      ),
    ).rejects.toThrow('stopped');
    const point = checkpoints[checkpoints.length - 1];
    expect(point).toMatchObject({ account: address, blobName: first.name, size: 4 * KIB });

    const second = await blob(4 * KIB);
    setFaults([]);
    await uploadBlobFile(options(second, { partSize: KIB, resume: point }));
    expect(requests('rpc.start')).toBe(1);
    expect(requests('rpc.putPart')).toBe(4);
    expect((await stored(second.name)).equals(second.bytes)).toBe(true);
    setFaults([]);
    await uploadBlobFile(options(first, { partSize: KIB, resume: { ...point, size: 5 * KIB } }));
    expect(requests('rpc.start')).toBe(1);
    expect((await stored(first.name)).equals(first.bytes)).toBe(true);
  });

  test('starts a new session when the node no longer knows the one to continue', async () => {
    const target = await blob(3 * KIB);
    await uploadBlobFile(
      options(target, {
        partSize: KIB,
        resume: {
          uploadId: 'f'.repeat(32),
          account: address,
          blobName: target.name,
          size: target.bytes.length,
          partSize: KIB,
          partsDone: 2,
        },
      }),
    );
    expect(requests('rpc.start')).toBe(1);
    expect((await stored(target.name)).equals(target.bytes)).toBe(true);
  });

  test('refuses a file whose size is not the registered one, before sending anything', async () => {
    const target = await blob(2 * KIB);
    setFaults([]);
    fs.appendFileSync(target.file, 'more');
    const error = await failure(uploadBlobFile(options(target)));
    expect(error).toMatchObject({ class: 'permanent', type: 'FileChanged' });
    expect(localnet.faults.view().requests).toEqual({});
  });

  test('does not complete when the file grows while its parts are sent', async () => {
    const target = await blob(4 * KIB);
    setFaults([]);
    const error = await failure(
      uploadBlobFile(
        options(target, {
          partSize: KIB,
          partConcurrency: 1,
          onProgress: (p) => {
            if (p.phase === 'uploading' && p.uploadedBytes === KIB)
              fs.appendFileSync(target.file, 'x');
          },
        }),
      ),
    );
    expect(error).toMatchObject({ class: 'permanent', type: 'FileChanged' });
    expect(requests('rpc.complete')).toBe(0);
  });

  test('a vanished file is permanent', async () => {
    const target = await blob(KIB);
    fs.rmSync(target.file);
    const error = await failure(uploadBlobFile(options(target)));
    expect(error).toMatchObject({ class: 'permanent', type: 'FileVanished' });
  });

  test('an invalid blob name is refused before any request', async () => {
    const target = await blob(KIB);
    const error = await failure(uploadBlobFile(options({ ...target, name: 'dir/' })));
    expect(error).toMatchObject({ class: 'permanent', type: 'BlobNameInvalid' });
  });

  test('stops at once when aborted', async () => {
    const target = await blob(KIB);
    setFaults([{ route: 'rpc.start', action: 'latency', ms: 3000 }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled by the workflow')), 100);
    const started = Date.now();
    await expect(uploadBlobFile(options(target, { signal: controller.signal }))).rejects.toThrow(
      'cancelled by the workflow',
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('the fault view counts what each rule matched and did', async () => {
    setFaults([{ route: 'rpc.start', every: 2, action: 'status', status: 503 }]);
    for (let i = 0; i < 4; i += 1) {
      await fetch(`${localnet.url}/shelby/v1/multipart-uploads`, { method: 'POST', body: '{}' });
    }
    const view: FaultsView = localnet.faults.view();
    expect(view.rules[0]).toMatchObject({ matched: 4, fired: 2 });
    expect(view.requests).toEqual({ 'rpc.start': 4 });
  });
});
