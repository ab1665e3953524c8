import * as fs from 'node:fs';
import * as path from 'node:path';

import type { RpcUploadCheckpoint } from './rpc-upload';

/**
 * Checkpoints of multipart uploads kept on disk, one small JSON file per upload. Temporal
 * heartbeat details also carry them, but heartbeats are throttled (to 80 % of the heartbeat
 * timeout), so a worker killed mid-file would lose up to that long of stored parts; a file
 * written after every part loses none. The state folder is shared by every worker, so another
 * machine picks the checkpoint up too.
 *
 * Writes are best effort: a checkpoint that cannot be written only means more bytes are sent
 * again, so failures are reported through `onError` and never fail an upload.
 */
export class UploadCheckpointStore {
  /** The last write per key, so writes of one key land in order. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    private readonly dir: string,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  private file(key: string): string {
    if (!/^[A-Za-z0-9._-]{1,200}$/.test(key) || key.startsWith('.')) {
      throw new Error(`invalid checkpoint key "${key}": use letters, digits, '.', '_' and '-'`);
    }
    return path.join(this.dir, `${key}.json`);
  }

  /** The checkpoint saved under `key`, if any and readable. */
  read(key: string): RpcUploadCheckpoint | undefined {
    try {
      const value = JSON.parse(fs.readFileSync(this.file(key), 'utf8')) as RpcUploadCheckpoint;
      return typeof value.uploadId === 'string' && Number.isSafeInteger(value.partsDone)
        ? value
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** Saves `checkpoint` under `key` (replacing the previous one) without waiting. */
  record(key: string, checkpoint: RpcUploadCheckpoint): void {
    const file = this.file(key);
    this.chain(key, async () => {
      await fs.promises.mkdir(this.dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await fs.promises.writeFile(tmp, JSON.stringify(checkpoint));
      await fs.promises.rename(tmp, file);
    });
  }

  /** Deletes the checkpoint under `key`, after any write still in progress. */
  async remove(key: string): Promise<void> {
    const file = this.file(key);
    this.chain(key, () => fs.promises.rm(file, { force: true }));
    await this.writes.get(key);
  }

  /** Waits for every write in progress. */
  async flush(): Promise<void> {
    await Promise.all(this.writes.values());
  }

  private chain(key: string, step: () => Promise<void>): void {
    const previous = this.writes.get(key) ?? Promise.resolve();
    const next = previous.then(step).catch(this.onError);
    this.writes.set(key, next);
    void next.then(() => {
      if (this.writes.get(key) === next) this.writes.delete(key);
    });
  }
}

/**
 * The checkpoint to continue from: the one on disk when it belongs to the same upload session
 * and is at least as far along, else the one from the heartbeat, else the one on disk.
 */
export function latestCheckpoint(
  fromHeartbeat: RpcUploadCheckpoint | undefined,
  fromDisk: RpcUploadCheckpoint | undefined,
): RpcUploadCheckpoint | undefined {
  if (!fromHeartbeat) return fromDisk;
  if (!fromDisk) return fromHeartbeat;
  if (fromDisk.uploadId === fromHeartbeat.uploadId) {
    return fromDisk.partsDone >= fromHeartbeat.partsDone ? fromDisk : fromHeartbeat;
  }
  // Different sessions: the disk is written after every part, the heartbeat at most every few
  // seconds, so the disk holds the later session.
  return fromDisk;
}
