import * as fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { sharedRpcLimiter, type AimdLimiter, type LimiterPermit } from './aimd-limiter';
import { httpSend, type HttpAnswer } from './http-send';
import { PartBuffers } from './part-buffers';
import { parseRetryAfter } from './retry-after';
import { RpcUploadError, type RpcUploadErrorType } from './rpc-upload-error';

export { RpcUploadError } from './rpc-upload-error';
export type { RpcUploadErrorClass, RpcUploadErrorType } from './rpc-upload-error';

/**
 * Uploads a file's bytes to a Shelby RPC node with the protocol of the SDK's `rpc.putBlob`
 * (start, parts of 5 MiB, complete; `Authorization: Bearer` when an API key is set), built to
 * survive a flaky node:
 *
 * - the file is read from disk part by part, never whole, and must yield exactly `size` bytes;
 * - start and parts are retried on 5xx, timeouts and network errors, with backoff;
 * - a 429 waits for `Retry-After` without using up attempts (the total wait is bounded), and
 *   halves the process-wide concurrency of RPC requests ({@link AimdLimiter});
 * - `complete` is resent only when the earlier one provably did nothing; otherwise the failure is
 *   `ambiguous`, and the caller (or `confirmWritten`) checks `is_written` first;
 * - an interrupted upload can continue from its last checkpoint instead of from zero;
 * - an empty file is a start and a complete with no part, as the SDK sends it and the localnet
 *   stores it.
 */

/** 5 MiB, the part size of the SDK. */
export const DEFAULT_PART_SIZE = 5 * 1024 * 1024;

/**
 * Parts in memory at once across every upload of the process (as many as the limiter lets out
 * at first): about 40 MiB, plus the copy `fetch` makes of each body it sends.
 */
export const SHARED_PART_BUFFERS = 8;

const sharedPartBuffers = new PartBuffers(SHARED_PART_BUFFERS, DEFAULT_PART_SIZE);

/** Where an upload stands, to continue it after an interruption. */
export interface RpcUploadCheckpoint {
  uploadId: string;
  /** The blob the session writes to; a checkpoint is used only for the very same blob and size. */
  account: string;
  blobName: string;
  size: number;
  partSize: number;
  /** Parts 0 .. partsDone-1 are stored by the node. */
  partsDone: number;
}

/** Progress reports. */
export interface RpcUploadProgress {
  phase: 'uploading' | 'completing' | 'waiting';
  uploadedBytes: number;
  totalBytes: number;
  /** During `waiting`: how long this wait lasts (a 429 or a retry backoff). */
  waitMs?: number;
}

/** Retry limits; the defaults suit a node that is briefly down or overloaded. */
export interface RpcRetryPolicy {
  /** Tries of one request on 5xx, timeouts and network errors (default 6). */
  attempts: number;
  /** First backoff (default 500 ms), doubled per try, with jitter. */
  baseDelayMs: number;
  /** Longest backoff (default 15 s). */
  maxDelayMs: number;
  /** Total time one upload may spend waiting on 429s (default 10 min). */
  maxRateLimitWaitMs: number;
  /** Longest single 429 wait, whatever `Retry-After` says (default 5 min). */
  maxRetryAfterMs: number;
  /** Timeout of one request (default 120 s). */
  requestTimeoutMs: number;
  /** New upload sessions after the node lost ours (default 2). */
  restarts: number;
}

const DEFAULT_RETRY: RpcRetryPolicy = {
  attempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 15_000,
  maxRateLimitWaitMs: 10 * 60_000,
  maxRetryAfterMs: 5 * 60_000,
  requestTimeoutMs: 120_000,
  restarts: 2,
};

/** What {@link uploadBlobFile} needs. */
export interface UploadBlobFileOptions {
  /** The RPC base URL, as the SDK's `rpc.baseUrl` (the localnet's is `<url>/shelby`). */
  rpcBaseUrl: string;
  apiKey?: string;
  /** Owner of the blob, an account address. */
  account: string;
  /** Blob name without the `@owner/` prefix. */
  blobName: string;
  /** The file to send. */
  path: string;
  /** Its size, as registered on chain. */
  size: number;
  partSize?: number;
  /** Parts of this blob in flight at once (default 3); each also takes a limiter slot. */
  partConcurrency?: number;
  onProgress?: (progress: RpcUploadProgress) => void;
  /** Called after each part that extends the stored prefix; keep it to pass back as `resume`. */
  onCheckpoint?: (checkpoint: RpcUploadCheckpoint) => void;
  /** Continue this upload; if the node no longer knows it, a new one starts. */
  resume?: RpcUploadCheckpoint;
  /**
   * Reads whether the blob is written (`is_written` of its metadata). With it, an ambiguous
   * `complete` is settled here: done when written, otherwise sent again. Without it, an
   * ambiguous `complete` throws an `ambiguous` {@link RpcUploadError}.
   */
  confirmWritten?: () => Promise<boolean>;
  signal?: AbortSignal;
  /** Defaults to the process-wide limiter. */
  limiter?: AimdLimiter;
  /** Where parts are read into; defaults to the process-wide buffers (for the default part size). */
  partBuffers?: PartBuffers;
  retry?: Partial<RpcRetryPolicy>;
}

/** One HTTP exchange: an answer, or a network failure (and whether the request may have left). */
type Exchange =
  | { kind: 'answer'; status: number; headers: Headers; text?: string; bodyError?: unknown }
  | { kind: 'failed'; error: unknown; mayHaveArrived: boolean; timedOut: boolean };

/** Network errors that prove the request never reached the node. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = errorCode(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : '';
  return [message, cause && cause !== message ? cause : '', code ?? ''].filter(Boolean).join(': ');
}

/** The address as the RPC expects it: `0x` and 64 lowercase hex digits. */
function longAddress(account: string): string {
  const match = /^(?:0x)?([0-9a-fA-F]{1,64})$/.exec(account.trim());
  if (!match) {
    throw new RpcUploadError(
      'UploadRefused',
      'permanent',
      `${account} is not an account address; pass the owner's 0x address`,
    );
  }
  return `0x${match[1].toLowerCase().padStart(64, '0')}`;
}

function checkName(name: string): void {
  if (name.length < 1 || name.length > 1024 || name.endsWith('/')) {
    throw new RpcUploadError(
      'BlobNameInvalid',
      'permanent',
      `blob name ${JSON.stringify(name.slice(0, 80))} is invalid: it needs 1 to 1024 characters and no trailing /`,
    );
  }
}

/** Uploads the file at `options.path` as the bytes of a registered blob. */
export async function uploadBlobFile(options: UploadBlobFileOptions): Promise<void> {
  const upload = new BlobFileUpload(options);
  await upload.run();
}

class BlobFileUpload {
  private readonly retry: RpcRetryPolicy;
  private readonly limiter: AimdLimiter;
  private readonly partSize: number;
  private readonly partCount: number;
  private readonly buffers: PartBuffers;
  private readonly base: string;
  private readonly owner: string;
  private rateLimitWaitedMs = 0;
  /** 429s in a row without a `Retry-After`, for the fallback wait. */
  private rateLimitStreak = 0;
  private uploadedBytes = 0;
  private restartsLeft: number;
  private handle?: fs.promises.FileHandle;

  constructor(private readonly options: UploadBlobFileOptions) {
    checkName(options.blobName);
    if (!Number.isSafeInteger(options.size) || options.size < 0) {
      throw new RpcUploadError(
        'SizeInvalid',
        'permanent',
        `size ${options.size} of ${options.blobName} is not a whole number of bytes`,
      );
    }
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.limiter = options.limiter ?? sharedRpcLimiter;
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    if (!Number.isSafeInteger(this.partSize) || this.partSize < 1) {
      throw new RpcUploadError('SizeInvalid', 'permanent', `part size ${this.partSize} is invalid`);
    }
    this.partCount = Math.ceil(options.size / this.partSize);
    this.buffers =
      options.partBuffers ??
      (this.partSize === DEFAULT_PART_SIZE
        ? sharedPartBuffers
        : new PartBuffers(Math.max(1, options.partConcurrency ?? 3), this.partSize));
    this.base = options.rpcBaseUrl.endsWith('/') ? options.rpcBaseUrl : `${options.rpcBaseUrl}/`;
    this.owner = longAddress(options.account);
    this.restartsLeft = this.retry.restarts;
  }

  async run(): Promise<void> {
    await this.open();
    try {
      let checkpoint = this.usableResume();
      for (;;) {
        checkpoint ??= {
          uploadId: await this.start(),
          account: this.owner,
          blobName: this.options.blobName,
          size: this.options.size,
          partSize: this.partSize,
          partsDone: 0,
        };
        const outcome = await this.sendParts(checkpoint);
        if (outcome === 'lost') {
          checkpoint = this.restart('a part');
          continue;
        }
        await this.checkEndOfFile();
        const completed = await this.complete(checkpoint.uploadId);
        if (completed === 'lost') {
          checkpoint = this.restart('the completion');
          continue;
        }
        return;
      }
    } finally {
      await this.handle?.close();
    }
  }

  private usableResume(): RpcUploadCheckpoint | undefined {
    const resume = this.options.resume;
    if (!resume || resume.partSize !== this.partSize || resume.size !== this.options.size) {
      return undefined;
    }
    // A session of another blob (the file went to another account, say) must never be written.
    if (resume.blobName !== this.options.blobName) return undefined;
    if (!/^(?:0x)?[0-9a-fA-F]{1,64}$/.test(resume.account ?? '')) return undefined;
    if (longAddress(resume.account) !== this.owner) return undefined;
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(resume.uploadId)) return undefined;
    return { ...resume, partsDone: Math.min(resume.partsDone, this.partCount) };
  }

  /** A new session after the node lost ours; bounded, since a node that keeps losing it is broken. */
  private restart(what: string): undefined {
    if (this.restartsLeft <= 0) {
      throw new RpcUploadError(
        'UploadLost',
        'transient',
        `the RPC node kept losing the upload of ${this.options.blobName} (at ${what}); retry later`,
      );
    }
    this.restartsLeft -= 1;
    return undefined;
  }

  // Files

  private async open(): Promise<void> {
    const { path: file, size, blobName } = this.options;
    try {
      this.handle = await fs.promises.open(file, 'r');
      const stat = await this.handle.stat();
      if (!stat.isFile()) {
        throw new RpcUploadError('FileUnreadable', 'permanent', `${file} is not a regular file`);
      }
      if (stat.size !== size) {
        throw new RpcUploadError(
          'FileChanged',
          'permanent',
          `${file} has ${stat.size} bytes but ${blobName} is registered with ${size}; it changed since planning`,
        );
      }
    } catch (error) {
      await this.handle?.close();
      this.handle = undefined;
      if (error instanceof RpcUploadError) throw error;
      const code = errorCode(error);
      if (code === 'ENOENT') {
        throw new RpcUploadError('FileVanished', 'permanent', `${file} no longer exists`);
      }
      if (code === 'EACCES' || code === 'EPERM' || code === 'EISDIR') {
        throw new RpcUploadError('FileUnreadable', 'permanent', `${file} cannot be read (${code})`);
      }
      throw new RpcUploadError(
        'FileUnreadable',
        'transient',
        `cannot open ${file}: ${describe(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  /** Part `index`, read at its offset; fewer bytes than expected means the file changed. */
  private async readPart(index: number): Promise<Buffer> {
    const start = index * this.partSize;
    const length = Math.min(this.partSize, this.options.size - start);
    const buffer = await this.buffers.acquire(length);
    try {
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await this.handle!.read(
          buffer,
          filled,
          length - filled,
          start + filled,
        );
        if (bytesRead === 0) {
          throw new RpcUploadError(
            'FileChanged',
            'permanent',
            `${this.options.path} ended after ${start + filled} bytes but ${this.options.size} were expected; it changed since planning`,
          );
        }
        filled += bytesRead;
      }
    } catch (error) {
      this.buffers.release(buffer);
      throw error;
    }
    return buffer;
  }

  /** Refuses to complete when the file grew: the bytes sent would not be the whole file. */
  private async checkEndOfFile(): Promise<void> {
    const probe = Buffer.alloc(1);
    const { bytesRead } = await this.handle!.read(probe, 0, 1, this.options.size);
    if (bytesRead !== 0) {
      throw new RpcUploadError(
        'FileChanged',
        'permanent',
        `${this.options.path} grew past the ${this.options.size} bytes registered for ${this.options.blobName}; it changed since planning`,
      );
    }
  }

  // Protocol steps

  private async start(): Promise<string> {
    const body = JSON.stringify({
      rawAccount: this.owner,
      rawBlobName: this.options.blobName,
      rawPartSize: this.partSize,
    });
    for (let attempt = 1; ;) {
      const exchange = await this.exchange(
        'POST',
        'v1/multipart-uploads',
        body,
        'application/json',
      );
      if (exchange.kind === 'answer' && ok(exchange.status)) {
        const uploadId = parseUploadId(exchange.text);
        if (uploadId) return uploadId;
        attempt = await this.backoff(attempt, 'BadResponse', 'the start of the upload', exchange);
        continue;
      }
      if (exchange.kind === 'answer' && exchange.status === 429) {
        await this.waitRateLimit(exchange);
        continue;
      }
      if (exchange.kind === 'answer' && exchange.status === 404) {
        // The node may not have seen the registration yet: a bounded wait, then retry later.
        attempt = await this.backoff(
          attempt,
          'BlobNotRegistered',
          'the start of the upload',
          exchange,
        );
        continue;
      }
      if (exchange.kind === 'answer' && !retryable(exchange.status)) {
        throw refused('the start of the upload', this.options.blobName, exchange);
      }
      // A start that may have arrived leaves at most an abandoned session, which the node drops.
      attempt = await this.backoff(
        attempt,
        failureType(exchange),
        'the start of the upload',
        exchange,
      );
    }
  }

  /** Sends the missing parts; `lost` when the node no longer knows the upload. */
  private async sendParts(checkpoint: RpcUploadCheckpoint): Promise<'done' | 'lost'> {
    const done = new Set<number>();
    for (let i = 0; i < checkpoint.partsDone; i += 1) done.add(i);
    let next = checkpoint.partsDone;
    let prefix = checkpoint.partsDone;
    let stop: 'lost' | 'failed' | undefined;
    this.uploadedBytes = Math.min(this.options.size, checkpoint.partsDone * this.partSize);
    const worker = async (): Promise<void> => {
      while (!stop && next < this.partCount) {
        const index = next;
        next += 1;
        try {
          const data = await this.readPart(index);
          try {
            if ((await this.putPart(checkpoint.uploadId, index, data)) === 'lost') {
              stop ??= 'lost';
              return;
            }
          } finally {
            this.buffers.release(data);
          }
          this.uploadedBytes += data.length;
        } catch (error) {
          // The other workers finish the part they hold and take no other.
          stop = 'failed';
          throw error;
        }
        done.add(index);
        this.options.onProgress?.({
          phase: 'uploading',
          uploadedBytes: this.uploadedBytes,
          totalBytes: this.options.size,
        });
        if (index === prefix) {
          while (done.has(prefix)) prefix += 1;
          this.options.onCheckpoint?.({ ...checkpoint, partsDone: prefix });
        }
      }
    };
    const workers = Math.max(1, Math.min(this.options.partConcurrency ?? 3, this.partCount - next));
    const results = await Promise.allSettled(Array.from({ length: workers }, worker));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return stop === 'lost' ? 'lost' : 'done';
  }

  private async putPart(uploadId: string, index: number, data: Buffer): Promise<'done' | 'lost'> {
    const route = `v1/multipart-uploads/${encodeURIComponent(uploadId)}/parts/${index}`;
    const what = `part ${index} of ${this.options.blobName}`;
    for (let attempt = 1; ;) {
      const exchange = await this.exchange('PUT', route, data, 'application/octet-stream');
      if (exchange.kind === 'answer' && ok(exchange.status)) return 'done';
      if (exchange.kind === 'answer' && exchange.status === 429) {
        await this.waitRateLimit(exchange);
        continue;
      }
      // Unknown upload, or the blob was registered again since: only a new session can go on.
      if (exchange.kind === 'answer' && (exchange.status === 404 || exchange.status === 409)) {
        return 'lost';
      }
      if (exchange.kind === 'answer' && !retryable(exchange.status)) {
        throw refused(what, this.options.blobName, exchange);
      }
      // Parts are idempotent: a resent part replaces the earlier one.
      attempt = await this.backoff(attempt, failureType(exchange), what, exchange);
    }
  }

  /**
   * Completes the upload. Resent only when the earlier try provably did nothing (a 429, or a
   * connection refused); anything else after the request may have arrived is settled through
   * `confirmWritten`, or reported as ambiguous.
   */
  private async complete(uploadId: string): Promise<'done' | 'lost'> {
    const route = `v1/multipart-uploads/${encodeURIComponent(uploadId)}/complete`;
    const what = `the completion of ${this.options.blobName}`;
    this.options.onProgress?.({
      phase: 'completing',
      uploadedBytes: this.options.size,
      totalBytes: this.options.size,
    });
    for (let attempt = 1; ;) {
      const exchange = await this.exchange('POST', route, undefined, 'application/json');
      if (exchange.kind === 'answer' && ok(exchange.status)) return 'done';
      if (exchange.kind === 'answer' && exchange.status === 429) {
        await this.waitRateLimit(exchange);
        continue;
      }
      if (exchange.kind === 'failed' && !exchange.mayHaveArrived) {
        attempt = await this.backoff(attempt, 'NetworkError', what, exchange);
        continue;
      }
      if (
        exchange.kind === 'answer' &&
        !retryable(exchange.status) &&
        exchange.status !== 404 &&
        exchange.status !== 409
      ) {
        throw refused(what, this.options.blobName, exchange);
      }
      // 5xx, timeout, cut connection, or the node no longer knows the upload (completed already?).
      const ambiguous = new RpcUploadError(
        'CompleteAmbiguous',
        'ambiguous',
        `${what} may or may not have taken effect (${summary(exchange)}); check is_written of the blob before sending it again`,
        exchange.kind === 'answer' ? { status: exchange.status } : { cause: exchange.error },
      );
      if (!this.options.confirmWritten) throw ambiguous;
      if (await this.confirmWritten(ambiguous)) return 'done';
      if (exchange.kind === 'answer' && exchange.status === 404) return 'lost';
      attempt = await this.backoff(attempt, 'CompleteAmbiguous', what, exchange, ambiguous);
    }
  }

  private async confirmWritten(ambiguous: RpcUploadError): Promise<boolean> {
    try {
      return await this.options.confirmWritten!();
    } catch (error) {
      throw new RpcUploadError(
        'CompleteAmbiguous',
        'ambiguous',
        `${ambiguous.message}; reading is_written failed too: ${describe(error)}`,
        { status: ambiguous.status, cause: error },
      );
    }
  }

  // HTTP

  private async exchange(
    method: string,
    route: string,
    body: string | Buffer | undefined,
    contentType: string,
  ): Promise<Exchange> {
    const signal = this.options.signal;
    throwIfAborted(signal);
    const permit: LimiterPermit = await this.limiter.acquire(signal);
    const timeout = AbortSignal.timeout(this.retry.requestTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const headers: Record<string, string> = { 'content-type': contentType };
      if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
      let response: HttpAnswer;
      try {
        response = await httpSend(new URL(route, this.base), {
          method,
          headers,
          body,
          signal: combined,
        });
      } catch (error) {
        throwIfAborted(signal);
        const timedOut = timeout.aborted;
        const code = errorCode(error);
        return {
          kind: 'failed',
          error,
          timedOut,
          mayHaveArrived: timedOut || code === undefined || !NOT_SENT_CODES.has(code),
        };
      }
      if (ok(response.status)) permit.succeeded();
      if (response.status === 429) {
        permit.rateLimited(this.retryAfterMs(response.headers));
      }
      let text: string | undefined;
      let bodyError: unknown;
      try {
        text = await response.text();
      } catch (error) {
        throwIfAborted(signal);
        bodyError = error;
      }
      if (bodyError !== undefined && !ok(response.status)) {
        return {
          kind: 'failed',
          error: bodyError,
          timedOut: timeout.aborted,
          mayHaveArrived: true,
        };
      }
      return {
        kind: 'answer',
        status: response.status,
        headers: response.headers,
        text,
        bodyError,
      };
    } finally {
      permit.release();
    }
  }

  private retryAfterMs(headers: Headers): number | undefined {
    const ms = parseRetryAfter(headers.get('retry-after'));
    return ms === undefined ? undefined : Math.min(ms, this.retry.maxRetryAfterMs);
  }

  /** Waits out a 429 without counting it as a failed try; the total wait is bounded. */
  private async waitRateLimit(exchange: Exchange & { kind: 'answer' }): Promise<void> {
    let waitMs = this.retryAfterMs(exchange.headers);
    if (waitMs === undefined) {
      waitMs = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** this.rateLimitStreak);
      this.rateLimitStreak += 1;
    } else {
      this.rateLimitStreak = 0;
    }
    if (this.rateLimitWaitedMs + waitMs > this.retry.maxRateLimitWaitMs) {
      throw new RpcUploadError(
        'RateLimited',
        'transient',
        `the RPC node kept answering 429 for ${Math.round(this.rateLimitWaitedMs / 1000)} s while uploading ${this.options.blobName}; retry later or lower the parallelism`,
        { status: 429 },
      );
    }
    this.rateLimitWaitedMs += waitMs;
    await this.pause(waitMs);
  }

  /** Backs off before another try, or throws once the tries are used up. */
  private async backoff(
    attempt: number,
    type: RpcUploadErrorType,
    what: string,
    exchange: Exchange,
    last?: RpcUploadError,
  ): Promise<number> {
    if (attempt >= this.retry.attempts) {
      throw (
        last ??
        new RpcUploadError(
          type,
          'transient',
          `${what} failed ${attempt} times (${summary(exchange)}); retry later`,
          exchange.kind === 'answer' ? { status: exchange.status } : { cause: exchange.error },
        )
      );
    }
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    await this.pause(Math.round(ceiling / 2 + (Math.random() * ceiling) / 2));
    return attempt + 1;
  }

  private async pause(ms: number): Promise<void> {
    this.options.onProgress?.({
      phase: 'waiting',
      uploadedBytes: this.uploadedBytes,
      totalBytes: this.options.size,
      waitMs: ms,
    });
    try {
      await sleep(ms, undefined, { signal: this.options.signal });
    } catch (error) {
      throwIfAborted(this.options.signal);
      throw error;
    }
  }
}

function ok(status: number): boolean {
  return status >= 200 && status < 300;
}

/** Statuses worth another try of the same request. */
function retryable(status: number): boolean {
  return status >= 500 || status === 408;
}

function failureType(exchange: Exchange): RpcUploadErrorType {
  if (exchange.kind === 'failed') return 'NetworkError';
  return exchange.status >= 500 ? 'ServerError' : 'BadResponse';
}

function summary(exchange: Exchange): string {
  if (exchange.kind === 'failed') {
    return exchange.timedOut ? 'timed out' : `network error: ${describe(exchange.error)}`;
  }
  const text = (exchange.text ?? '').trim().slice(0, 300);
  return `HTTP ${exchange.status}${text ? `: ${text}` : ''}`;
}

function refused(
  what: string,
  blobName: string,
  exchange: Exchange & { kind: 'answer' },
): RpcUploadError {
  return new RpcUploadError(
    'UploadRefused',
    'permanent',
    `the RPC node refused ${what} (${summary(exchange)}); ${blobName} needs attention before it can be uploaded`,
    { status: exchange.status },
  );
}

function parseUploadId(text: string | undefined): string | undefined {
  try {
    const value = (JSON.parse(text ?? '') as { uploadId?: unknown }).uploadId;
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch {
    return undefined;
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  throw signal.reason instanceof Error
    ? signal.reason
    : new RpcUploadError('Aborted', 'transient', 'the upload was cancelled');
}
