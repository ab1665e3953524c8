import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { BlobRecord } from './ledger';

/**
 * Blob bytes on disk. Multipart uploads stream each part to its own file and completion
 * concatenates them, so no blob is ever held whole in memory. A blob's file is named after its
 * registration (owner, name, creation time), so re-registering an expired name never serves the
 * old bytes.
 */

/** An upload in progress, as recorded next to its parts. */
export interface UploadSession {
  id: string;
  owner: string;
  name: string;
  /** Registration the upload writes to; a later re-registration invalidates it. */
  creationMicros: number;
  size: number;
  partSize: number;
}

/** Thrown when an upload cannot proceed; `status` is the HTTP answer. */
export class UploadError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

const UPLOAD_ID = /^[0-9a-f]{32}$/;

/** Refuses bodies longer than `limit` bytes while they stream. */
function byteLimit(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) {
        callback(new UploadError(413, `Part exceeds the upload's part size of ${limit} bytes`));
        return;
      }
      callback(null, chunk);
    },
  });
}

/** Blob files under `<home>/blobs` and upload parts under `<home>/uploads`. */
export class BlobStore {
  private readonly blobsDir: string;
  private readonly uploadsDir: string;
  private readonly completing = new Set<string>();

  constructor(home: string) {
    this.blobsDir = path.join(home, 'blobs');
    this.uploadsDir = path.join(home, 'uploads');
    fs.mkdirSync(this.blobsDir, { recursive: true });
    fs.mkdirSync(this.uploadsDir, { recursive: true });
  }

  /** Deletes uploads started more than `maxAgeMs` ago and never completed; returns how many. */
  removeStaleUploads(maxAgeMs: number): number {
    let removed = 0;
    for (const id of fs.readdirSync(this.uploadsDir)) {
      const dir = path.join(this.uploadsDir, id);
      const stat = fs.statSync(dir, { throwIfNoEntry: false });
      if (stat && Date.now() - stat.mtimeMs > maxAgeMs) {
        fs.rmSync(dir, { recursive: true, force: true });
        removed += 1;
      }
    }
    return removed;
  }

  /** File holding the bytes of `blob`'s current registration. */
  blobPath(blob: Pick<BlobRecord, 'owner' | 'name' | 'creationMicros'>): string {
    const digest = createHash('sha256')
      .update(`${blob.owner}\n${blob.creationMicros}\n${blob.name}`)
      .digest('hex');
    return path.join(this.blobsDir, digest.slice(0, 2), `${digest}.bin`);
  }

  /** Starts an upload for the registered `blob`, in parts of `partSize` bytes. */
  async startUpload(blob: BlobRecord, partSize: number): Promise<UploadSession> {
    const session: UploadSession = {
      id: randomBytes(16).toString('hex'),
      owner: blob.owner,
      name: blob.name,
      creationMicros: blob.creationMicros,
      size: blob.size,
      partSize,
    };
    const dir = path.join(this.uploadsDir, session.id);
    await fs.promises.mkdir(dir);
    await fs.promises.writeFile(path.join(dir, 'session.json'), JSON.stringify(session));
    return session;
  }

  /** The upload `id`, or a 404 {@link UploadError}. */
  async session(id: string): Promise<UploadSession> {
    if (UPLOAD_ID.test(id)) {
      try {
        const text = await fs.promises.readFile(
          path.join(this.uploadsDir, id, 'session.json'),
          'utf8',
        );
        return JSON.parse(text) as UploadSession;
      } catch {
        // Missing or half-written: the same as unknown to the client.
      }
    }
    throw new UploadError(404, `Unknown multipart upload ${id}; start a new upload`);
  }

  /** Streams part `index` of `session` to disk, replacing an earlier attempt at the same part. */
  async writePart(session: UploadSession, index: number, body: Readable): Promise<number> {
    const partCount = Math.ceil(session.size / session.partSize);
    if (index >= partCount) {
      body.resume();
      throw new UploadError(
        400,
        `Part ${index} is past the end: ${session.name} has ${session.size} bytes, so ${partCount} parts of ${session.partSize}`,
      );
    }
    const dir = path.join(this.uploadsDir, session.id);
    const final = path.join(dir, `part-${index}`);
    const tmp = `${final}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await pipeline(body, byteLimit(session.partSize), fs.createWriteStream(tmp));
      await fs.promises.rename(tmp, final);
    } catch (error) {
      await fs.promises.rm(tmp, { force: true });
      throw error;
    }
    return (await fs.promises.stat(final)).size;
  }

  /**
   * Concatenates the parts of `session` into the blob file and removes the upload. Refuses when a
   * part is missing or the bytes do not add up to the registered size.
   */
  async complete(session: UploadSession): Promise<string> {
    if (this.completing.has(session.id)) {
      throw new UploadError(409, `Upload ${session.id} is already being completed`);
    }
    this.completing.add(session.id);
    try {
      const dir = path.join(this.uploadsDir, session.id);
      const partCount = Math.ceil(session.size / session.partSize);
      const parts: string[] = [];
      let total = 0;
      for (let i = 0; i < partCount; i += 1) {
        const part = path.join(dir, `part-${i}`);
        const stat = await fs.promises.stat(part).catch(() => undefined);
        if (!stat) {
          throw new UploadError(
            400,
            `Part ${i} of ${session.name} was never uploaded; upload it, then complete`,
          );
        }
        total += stat.size;
        parts.push(part);
      }
      if (total !== session.size) {
        throw new UploadError(
          400,
          `Uploaded ${total} bytes but ${session.name} is registered with ${session.size}; upload the registered content`,
        );
      }
      const target = this.blobPath(session);
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      const tmp = `${target}.${session.id}.tmp`;
      try {
        // Appending through one handle keeps no per-part listeners on a shared stream.
        const out = await fs.promises.open(tmp, 'w');
        try {
          for (const part of parts) {
            for await (const chunk of fs.createReadStream(part)) await out.write(chunk as Buffer);
          }
          await out.sync();
        } finally {
          await out.close();
        }
        await fs.promises.rename(tmp, target);
      } catch (error) {
        await fs.promises.rm(tmp, { force: true });
        throw error;
      }
      await fs.promises.rm(dir, { recursive: true, force: true });
      return target;
    } finally {
      this.completing.delete(session.id);
    }
  }

  /** True when the bytes of `blob` are on disk. */
  hasBytes(blob: BlobRecord): boolean {
    return fs.existsSync(this.blobPath(blob));
  }

  /** Streams bytes `start..end` (inclusive) of `blob`. */
  read(blob: BlobRecord, start: number, end: number): Readable {
    return fs.createReadStream(this.blobPath(blob), { start, end });
  }
}
