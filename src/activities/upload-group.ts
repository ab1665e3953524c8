import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import pLimit from 'p-limit';
import type { Ed25519Account } from '@aptos-labs/ts-sdk';
import type { FileRef, FileResult, UploadGroupInput, UploadGroupResult } from '../batch/types';
import { batchPaths } from '../batch/paths';
import { readManifestEntries, readSummary, type ManifestEntry } from '../manifest/manifest';
import { ResultsStore } from '../report/results';
import { classifyError, type ClassifiedError } from '../shelby/errors';
import { asSdkAccount } from '../shelby/client';
import { RpcUploadError, uploadBlobFile, type RpcUploadCheckpoint } from '../shelby/rpc-upload';
import { readBalances } from '../shelby/balances';
import { retryRead } from '../shelby/read-retry';
import { blobsHeldBy } from '../shelby/held-elsewhere';
import { maxFee, maxGasAmount, storageCost } from '../shelby/pricing';
import { withAccountLock } from '../accounts/account-lock';
import type { ActivityDeps } from './deps';

/** How long a registration transaction may wait for a block before it expires unsent. */
const TX_EXPIRY_SECONDS = 20;
/** The account lease outlives any transaction sent under it (see account-lock.ts). */
const LEASE_MS = 45_000;
/** Data uploads per group running at once; groups themselves run in parallel too. */
const PUT_CONCURRENCY = 4;

/** What survives between attempts of one group, through heartbeat details. */
interface GroupCheckpoint {
  pendingTx?: { hash: string; expiresAtMs: number };
  /** Multipart uploads in progress, by file index. */
  uploads?: Record<number, RpcUploadCheckpoint>;
}

/** A file of the group on its way through the three steps. */
interface Work {
  ref: FileRef;
  entry: ManifestEntry;
  root?: string;
  numChunksets?: number;
  /** The name is not on chain yet. */
  needsRegistration?: boolean;
  /** This batch paid for the registration. */
  registered?: boolean;
  alreadyWritten?: boolean;
  /** Another account of this worker already holds the blob, with this file's root. */
  pool?: { id: string; address: string };
  txHash?: string;
  result?: FileResult;
}

/** An error that fails one file without retrying the group. */
class FileFailure extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Uploads a group of files paid by one account: commitments, a check of the chain, one
 * registration transaction for the names not yet on chain (under the account's lease), then the
 * data. Every step is idempotent, so a retried attempt pays nothing twice and resends only what is
 * not yet stored. Per-file problems fail that file; network trouble retries the group.
 */
export function createUploadGroup(deps: ActivityDeps) {
  return async function uploadGroup(input: UploadGroupInput): Promise<UploadGroupResult> {
    const context = Context.current();
    const attempt = context.info.attempt;
    const checkpoint: GroupCheckpoint = (context.info.heartbeatDetails as GroupCheckpoint) ?? {};
    const beat = (): void => context.heartbeat(checkpoint);
    const read = <T>(fn: () => Promise<T>): Promise<T> => retryRead(fn, context.cancellationSignal);
    const log = context.log;
    const ticker = setInterval(beat, 5000);
    const address = accountAddress(deps, input.accountId);
    deps.load.add(address, input.files.length);
    try {
      return await run();
    } catch (error) {
      throw asActivityFailure(error);
    } finally {
      clearInterval(ticker);
      deps.load.add(address, -input.files.length);
    }

    async function run(): Promise<UploadGroupResult> {
      const paths = batchPaths(deps.stateDir, input.batchId);
      const summary = await readSummary(paths.manifest);
      if (!summary) {
        throw ApplicationFailure.nonRetryable(
          `no manifest for ${input.batchId}`,
          'ManifestMissing',
        );
      }
      const results = new ResultsStore(paths.results, summary.pageSize);
      // Heartbeats reach the server at most every few seconds; the state folder has every part.
      const saved = new UploadCheckpoints(path.join(paths.dir, 'uploads'));
      // Which registrations this group sent, kept until its results are recorded: a successor
      // of a killed attempt tells from it the names this batch paid for from names found on chain.
      const sends = new SentRegistrations(
        path.join(paths.dir, 'registrations', `${input.files[0].index}.json`),
        input.accountId,
      );
      const landings = new Map<string, Promise<boolean>>();
      let signer: Ed25519Account;
      try {
        signer = deps.keys.signer(input.accountId);
      } catch (error) {
        throw ApplicationFailure.nonRetryable(
          `account ${input.accountId} has no usable key on this worker: ${(error as Error).message}`,
          'AccountUnknown',
        );
      }
      const owner = signer.accountAddress.toString();
      const shelby = await deps.shelby();
      const engine = await deps.commitments();

      const entries = await readManifestEntries(
        paths.manifest,
        input.files.map((f) => f.index),
      );
      const byIndex = new Map(entries.map((e) => [e.index, e]));
      const earlier = await results.read(input.files.map((f) => f.index));
      const work: Work[] = [];
      for (const ref of input.files) {
        const entry = byIndex.get(ref.index);
        if (!entry)
          throw ApplicationFailure.nonRetryable(
            `file ${ref.index} not in manifest`,
            'ManifestMissing',
          );
        const done = earlier.get(ref.index);
        work.push({ ref, entry, result: done?.status === 'uploaded' ? done : undefined });
      }
      const open = (): Work[] => work.filter((w) => !w.result);
      const fail = (w: Work, type: string, message: string): void => {
        w.result = resultOf(w, 'failed', { error: { type, message } });
        log.warn('file failed', { batchId: input.batchId, file: w.entry.name, type, message });
      };
      const resultOf = (
        w: Work,
        status: 'uploaded' | 'failed',
        extra: Partial<FileResult>,
      ): FileResult => ({
        index: w.entry.index,
        status,
        path: w.entry.path,
        name: w.entry.name,
        size: w.entry.size,
        account: w.pool?.id ?? input.accountId,
        merkleRoot: w.root,
        txHash: w.txHash,
        registered: w.registered ?? false,
        attempts: attempt,
        ...extra,
      });

      // Commitments and a look at the chain, for files not finished by an earlier attempt.
      const limit = pLimit(Math.max(2, PUT_CONCURRENCY));
      await Promise.all(
        open().map((w) =>
          limit(async () => {
            try {
              await checkUnchanged(w.entry);
              const commitments = await engine.fromFile(w.entry.path, w.entry.size);
              w.root = commitments.blobMerkleRoot;
              w.numChunksets = commitments.numChunksets;
              await checkUnchanged(w.entry);
              const meta = await read(() =>
                shelby.coordination.getBlobMetadata({
                  account: owner,
                  name: w.entry.name,
                }),
              );
              if (meta) {
                const onChain = hex(meta.blobMerkleRoot);
                if (onChain !== w.root) {
                  throw new FileFailure(
                    'NameConflict',
                    `blob ${w.entry.name} already exists for ${input.accountId} with another Merkle root (${onChain}); use another --prefix`,
                  );
                }
                w.alreadyWritten = meta.isWritten;
                await settleOwnership(w);
              } else {
                w.needsRegistration = true;
              }
            } catch (error) {
              if (error instanceof FileFailure) return fail(w, error.type, error.message);
              if ((error as Error).name === 'FileChanged')
                return fail(w, 'FileChanged', (error as Error).message);
              const code = (error as NodeJS.ErrnoException).code;
              if (code === 'EACCES' || code === 'EPERM') {
                return fail(w, 'Unreadable', `${w.entry.path} cannot be read (${code})`);
              }
              if (code === 'ENOENT')
                return fail(w, 'FileVanished', `${w.entry.path} no longer exists`);
              throw error;
            } finally {
              beat();
            }
          }),
        ),
      );

      // A file another account already stores with the same root is not paid for again (a second
      // batch over the same files may give it to another account). Files this group may have sent
      // a registration for are left to that registration.
      await adoptFromPool(open().filter((w) => w.needsRegistration && !sends.of(w.entry.index)));

      // One transaction for every name not yet on chain, under the account's lease.
      const toRegister = open().filter((w) => w.needsRegistration);
      if (toRegister.length > 0) {
        const outcome = await registerUnderLease(toRegister);
        if (outcome === 'exhausted') {
          await results.append(work.filter((w) => w.result).map((w) => w.result!));
          return {
            ...countOf(work),
            requeue: open().map((w) => w.ref),
            accountExhausted: input.accountId,
          };
        }
      }

      // The data, from a second read of each file.
      let transient: ClassifiedError | undefined;
      await Promise.all(
        open().map((w) =>
          limit(async () => {
            if (w.alreadyWritten) {
              w.result = resultOf(w, 'uploaded', { written: false });
              return;
            }
            try {
              await checkUnchanged(w.entry);
              const uploads = (checkpoint.uploads ??= {});
              await uploadBlobFile({
                rpcBaseUrl: shelby.rpc.baseUrl,
                apiKey: shelby.rpc.apiKey,
                account: w.pool?.address ?? owner,
                blobName: w.entry.name,
                path: w.entry.path,
                size: w.entry.size,
                onProgress: beat,
                // Parts already stored survive a crash: the next attempt continues from them.
                resume: furthest(uploads[w.entry.index], saved.read(w.entry.index)),
                onCheckpoint: (point) => {
                  uploads[w.entry.index] = point;
                  saved.write(w.entry.index, point);
                  beat();
                },
                confirmWritten: async () =>
                  Boolean(
                    (
                      await read(() =>
                        shelby.coordination.getBlobMetadata({
                          account: w.pool?.address ?? owner,
                          name: w.entry.name,
                        }),
                      )
                    )?.isWritten,
                  ),
                signal: context.cancellationSignal,
              });
              delete uploads[w.entry.index];
              saved.remove(w.entry.index);
              await checkUnchanged(w.entry);
              w.result = resultOf(w, 'uploaded', { written: true });
            } catch (error) {
              if (error instanceof FileFailure) return fail(w, error.type, error.message);
              if (error instanceof RpcUploadError) {
                // The node may lag the chain just after registration: a retry of the group settles it.
                const retry = error.class !== 'permanent' || error.type === 'BlobNotRegistered';
                if (!retry) return fail(w, error.type, error.message);
                transient = { class: 'transient', type: error.type, message: error.message };
                return;
              }
              const classified = classifyError(error);
              if (classified.class === 'permanent')
                return fail(w, classified.type, classified.message);
              transient = classified;
            } finally {
              beat();
            }
          }),
        ),
      );

      await results.append(work.filter((w) => w.result).map((w) => w.result!));
      if (open().length === 0) sends.clear();
      if (transient) {
        throw ApplicationFailure.retryable(
          `${open().length} upload(s) of the group will be retried: ${transient.message}`,
          transient.type,
        );
      }
      return { ...countOf(work), requeue: [] };

      async function registerUnderLease(files: Work[]): Promise<'done' | 'exhausted'> {
        return withAccountLock(
          owner,
          {
            client: deps.client,
            taskQueue: deps.taskQueue,
            holder: `${input.batchId}#${files[0].entry.index}`,
            ttlMs: LEASE_MS,
            onWait: beat,
          },
          async (deadline) => {
            // An attempt that died after sending: settle its transactions before sending another
            // (the state folder has them even when the last heartbeat did not reach the server).
            for (const tx of sends.transactions()) await settle(tx);
            if (checkpoint.pendingTx) await settle(checkpoint.pendingTx);
            checkpoint.pendingTx = undefined;
            let pending = await stillUnregistered(files);
            if (pending.length === 0) return 'done';
            if (input.expirationMicros <= (Date.now() + TX_EXPIRY_SECONDS * 1000) * 1000) {
              const when = new Date(input.expirationMicros / 1000).toISOString();
              for (const w of pending) {
                fail(
                  w,
                  'ExpiryPassed',
                  `the batch's expiry (${when}) has passed; upload again with a later --expires-in`,
                );
              }
              return 'done';
            }
            if (!(await canPay(pending))) {
              log.warn('account cannot pay', { batchId: input.batchId, account: input.accountId });
              return 'exhausted';
            }
            if (Date.now() + TX_EXPIRY_SECONDS * 1000 > deadline) {
              throw ApplicationFailure.retryable(
                'account lease too short to send safely',
                'LeaseExpired',
              );
            }
            // A batch cancelled meanwhile pays for nothing more.
            context.cancellationSignal.throwIfAborted();
            try {
              await submit(pending);
            } catch (error) {
              const classified = classifyError(error);
              // A refused transaction registered nothing; a timed-out one may still land.
              if (
                ['already-exists', 'insufficient-funds', 'permanent'].includes(classified.class)
              ) {
                sends.forget(pending.map((w) => w.entry.index));
              }
              if (classified.class === 'already-exists') {
                // One existing name aborts the whole transaction: drop the names now on chain, retry once.
                pending = await stillUnregistered(pending);
                if (pending.length > 0) await submit(pending);
              } else if (classified.class === 'insufficient-funds') {
                log.warn('account cannot pay', {
                  batchId: input.batchId,
                  account: input.accountId,
                });
                return 'exhausted';
              } else if (classified.class === 'permanent') {
                for (const w of pending) fail(w, classified.type, classified.message);
              } else {
                throw ApplicationFailure.retryable(classified.message, classified.type);
              }
            }
            return 'done';
          },
        );
      }

      /** Whether the account holds enough ShelbyUSD and APT for `files`, when prices are known. */
      async function canPay(files: Work[]): Promise<boolean> {
        const pricing = await deps.pricing();
        if (!pricing) return true;
        const balances = await read(() => readBalances(shelby, owner));
        const storage = files.reduce((sum, w) => sum + storageCost(pricing, w.entry.size), 0n);
        return (
          BigInt(balances.shelbyusd) >= storage &&
          BigInt(balances.apt) >= maxFee(pricing, files.length)
        );
      }

      /** Sends one registration for `files` and waits for it; marks them registered by us. */
      async function submit(files: Work[]): Promise<void> {
        const expireTimestamp = Math.floor(Date.now() / 1000) + TX_EXPIRY_SECONDS;
        const pricing = await deps.pricing();
        const maxGas = pricing ? Number(maxGasAmount(pricing, files.length)) : undefined;
        const options = {
          build: { options: { expireTimestamp, ...(maxGas ? { maxGasAmount: maxGas } : {}) } },
        };
        const indices = files.map((w) => w.entry.index);
        sends.record(indices);
        const { transaction } =
          files.length === 1
            ? await shelby.coordination.registerBlob({
                account: asSdkAccount(signer),
                blobName: files[0].entry.name,
                blobMerkleRoot: files[0].root!,
                size: files[0].entry.size,
                expirationMicros: input.expirationMicros,
                options,
              })
            : await shelby.coordination.batchRegisterBlobs({
                account: asSdkAccount(signer),
                expirationMicros: input.expirationMicros,
                blobs: files.map((w) => ({
                  blobName: w.entry.name,
                  blobSize: w.entry.size,
                  blobMerkleRoot: w.root!,
                })),
                options,
              });
        checkpoint.pendingTx = { hash: transaction.hash, expiresAtMs: expireTimestamp * 1000 };
        sends.record(indices, checkpoint.pendingTx);
        beat();
        await shelby.aptos.waitForTransaction({
          transactionHash: transaction.hash,
          options: { timeoutSecs: TX_EXPIRY_SECONDS + 5, checkSuccess: true },
        });
        checkpoint.pendingTx = undefined;
        for (const w of files) {
          w.registered = true;
          w.txHash = transaction.hash;
        }
        log.info('registered', {
          batchId: input.batchId,
          account: input.accountId,
          blobs: files.length,
          tx: transaction.hash,
        });
      }

      /** Waits until a transaction sent by an earlier attempt has landed or can no longer land. */
      async function settle(tx: { hash: string; expiresAtMs: number }): Promise<void> {
        for (;;) {
          try {
            const found = await read(() =>
              shelby.aptos.getTransactionByHash({ transactionHash: tx.hash }),
            );
            if (found.type !== 'pending_transaction') return;
          } catch (error) {
            if (!/404|not found/i.test(String(error))) throw error;
            if (Date.now() > tx.expiresAtMs + 2000) return;
          }
          beat();
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }

      /**
       * For a name found on chain with the file's root: whether an earlier attempt of this group
       * paid for it, and with which transaction.
       */
      /** Marks the files that another account of this worker already holds, unexpired. */
      async function adoptFromPool(files: Work[]): Promise<void> {
        const others = deps.keys
          .ids()
          .filter((id) => id !== input.accountId)
          .map((id) => ({ id, address: deps.keys.signer(id).accountAddress.toStringLong() }));
        const held = await blobsHeldBy(
          shelby,
          others.map((other) => other.address),
          files.map((w) => w.entry.name),
          read,
        );
        for (const w of files) {
          // As under the batch's own account, an unexpired blob counts whatever its expiry.
          const meta = held.get(w.entry.name)?.find((m) => hex(m.blobMerkleRoot) === w.root);
          const owner = meta && others.find((o) => meta.owner.toStringLong() === o.address);
          if (!meta || !owner) continue;
          w.needsRegistration = false;
          w.pool = owner;
          w.alreadyWritten = meta.isWritten;
        }
      }

      async function settleOwnership(w: Work): Promise<void> {
        const sent = sends.of(w.entry.index);
        if (sent?.tx) {
          let answer = landings.get(sent.tx.hash);
          if (!answer) landings.set(sent.tx.hash, (answer = landed(sent.tx.hash)));
          w.registered = await answer;
          if (w.registered) w.txHash = sent.tx.hash;
        } else {
          // Sent, with the name free under this account's lease, by an attempt killed before
          // the node answered with a hash.
          w.registered = sent !== undefined;
        }
      }

      /** Whether a transaction this group sent has been committed successfully. */
      async function landed(hash: string): Promise<boolean> {
        try {
          const found = await read(() =>
            shelby.aptos.getTransactionByHash({ transactionHash: hash }),
          );
          return found.type !== 'pending_transaction' && 'success' in found && found.success;
        } catch (error) {
          if (/404|not found/i.test(String(error))) return false;
          throw error;
        }
      }

      /** Files whose name is not yet on chain; the rest are settled against the chain. */
      async function stillUnregistered(files: Work[]): Promise<Work[]> {
        const missing: Work[] = [];
        for (const w of files) {
          const meta = await read(() =>
            shelby.coordination.getBlobMetadata({
              account: owner,
              name: w.entry.name,
            }),
          );
          if (!meta) {
            missing.push(w);
          } else if (hex(meta.blobMerkleRoot) !== w.root) {
            fail(
              w,
              'NameConflict',
              `blob ${w.entry.name} was registered meanwhile with another Merkle root`,
            );
          } else {
            w.alreadyWritten = meta.isWritten;
            await settleOwnership(w);
          }
        }
        return missing;
      }
    }
  };
}

/**
 * An error leaving the activity, as a failure whose type and message say what happened (the
 * SDKs' own error classes have minified names); the group is retried.
 */
function asActivityFailure(error: unknown): unknown {
  if (error instanceof ApplicationFailure || error instanceof CancelledFailure) return error;
  const classified = classifyError(error);
  return ApplicationFailure.retryable(classified.message, classified.type);
}

/** The account's address, or a non-retryable failure when this worker has no key for it. */
function accountAddress(deps: ActivityDeps, accountId: string): string {
  try {
    return deps.keys.signer(accountId).accountAddress.toStringLong();
  } catch (error) {
    throw ApplicationFailure.nonRetryable(
      `account ${accountId} has no usable key on this worker: ${(error as Error).message}`,
      'AccountUnknown',
    );
  }
}

/** Multipart checkpoints on disk, one small file per file index, written as each part lands. */
class UploadCheckpoints {
  constructor(private readonly dir: string) {}

  read(index: number): RpcUploadCheckpoint | undefined {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir, `${index}.json`), 'utf8'));
    } catch {
      return undefined;
    }
  }

  write(index: number, point: RpcUploadCheckpoint): void {
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      const file = path.join(this.dir, `${index}.json`);
      fs.writeFileSync(`${file}.tmp`, JSON.stringify(point));
      fs.renameSync(`${file}.tmp`, file);
    } catch {
      // Only an optimisation: without it a resumed upload resends more parts, nothing worse.
    }
  }

  remove(index: number): void {
    fs.rmSync(path.join(this.dir, `${index}.json`), { force: true });
  }
}

/** A registration a group sent: its files and, once the node took it, the transaction. */
interface SentRegistration {
  indices: number[];
  /** The paying account's id (absent in records written before it was kept). */
  account?: string;
  tx?: { hash: string; expiresAtMs: number };
}

/**
 * The registrations one group sent, in one small file written before each transaction goes out
 * and again once it has a hash, removed when the group's results are recorded.
 */
class SentRegistrations {
  private sent: SentRegistration[];

  constructor(
    private readonly file: string,
    private readonly account: string,
  ) {
    try {
      this.sent = JSON.parse(fs.readFileSync(file, 'utf8')) as SentRegistration[];
    } catch {
      this.sent = [];
    }
  }

  /** Records (or completes) the registration of `indices`; throws when it cannot be saved. */
  record(indices: number[], tx?: SentRegistration['tx']): void {
    const key = indices.join(',');
    const same = this.sent.find((s) => s.indices.join(',') === key && !s.tx);
    if (same && tx) same.tx = tx;
    else this.sent.push({ indices, account: this.account, tx });
    this.save();
  }

  /** Drops the files of a registration the chain refused. */
  forget(indices: number[]): void {
    const gone = new Set(indices);
    this.sent = this.sent.filter((s) => !(s.indices.every((i) => gone.has(i)) && !s.tx));
    for (const s of this.sent) if (!s.tx) s.indices = s.indices.filter((i) => !gone.has(i));
    this.save();
  }

  /** The latest registration that included file `index`. */
  of(index: number): SentRegistration | undefined {
    return [...this.sent].reverse().find((s) => s.indices.includes(index));
  }

  transactions(): NonNullable<SentRegistration['tx']>[] {
    return this.sent.flatMap((s) => (s.tx ? [s.tx] : []));
  }

  clear(): void {
    this.sent = [];
    fs.rmSync(this.file, { force: true });
  }

  private save(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(`${this.file}.tmp`, JSON.stringify(this.sent));
    fs.renameSync(`${this.file}.tmp`, this.file);
  }
}

/** The checkpoint that got further, of the heartbeat's and the state folder's. */
function furthest(
  a: RpcUploadCheckpoint | undefined,
  b: RpcUploadCheckpoint | undefined,
): RpcUploadCheckpoint | undefined {
  if (!a || !b) return a ?? b;
  if (a.uploadId !== b.uploadId) return b;
  return a.partsDone >= b.partsDone ? a : b;
}

/** Counts a group's outcomes for the workflow's counters. */
function countOf(work: Work[]): Omit<UploadGroupResult, 'requeue'> {
  const done = work.filter((w) => w.result);
  return {
    uploaded: done.filter((w) => w.result!.status === 'uploaded').length,
    failed: done.filter((w) => w.result!.status === 'failed').length,
    registered: done.filter((w) => w.result!.status === 'uploaded' && w.result!.registered).length,
    bytes: done
      .filter((w) => w.result!.status === 'uploaded')
      .reduce((sum, w) => sum + w.entry.size, 0),
  };
}

/** Fails the file when it changed or vanished since planning. */
async function checkUnchanged(entry: ManifestEntry): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(entry.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FileFailure('FileVanished', `${entry.path} no longer exists`);
    if (code === 'EACCES')
      throw new FileFailure('Unreadable', `${entry.path} cannot be read (EACCES)`);
    throw error;
  }
  if (stat.size !== entry.size || stat.mtimeMs !== entry.mtimeMs) {
    throw new FileFailure(
      'FileChanged',
      `${entry.path} changed since planning (size ${entry.size} → ${stat.size}); run resume to upload the new version`,
    );
  }
}

function hex(bytes: Uint8Array): string {
  return '0x' + Buffer.from(bytes).toString('hex');
}
