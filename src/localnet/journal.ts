import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Durable storage of the localnet ledger without native modules: an append-only JSON-lines
 * journal, fsync'd per entry, plus an occasional snapshot. Every entry carries a sequence number
 * and the snapshot records the last one it contains, so a crash between writing a snapshot and
 * truncating the journal never applies an entry twice.
 */

/** Thrown when the state folder cannot be read back; the message names the file to inspect. */
export class LocalnetStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalnetStateError';
  }
}

interface JournalLine<E> {
  seq: number;
  event: E;
}

interface SnapshotFile<S> {
  seq: number;
  state: S;
}

/** What a journal holds when opened: the last snapshot, then the entries written after it. */
export interface JournalContents<E, S> {
  snapshot: S | undefined;
  events: E[];
}

/** Journal entries to accumulate before the next open folds them into a snapshot. */
export const DEFAULT_COMPACT_AFTER = 5000;

/** An append-only journal of events of type `E`, with snapshots of type `S`. */
export class Journal<E, S> {
  private fd: number;
  private seq: number;
  private readonly sinceSnapshot: number;

  private constructor(
    private readonly journalPath: string,
    private readonly snapshotPath: string,
    fd: number,
    seq: number,
    sinceSnapshot: number,
    private readonly compactAfter: number,
  ) {
    this.fd = fd;
    this.seq = seq;
    this.sinceSnapshot = sinceSnapshot;
  }

  /** Opens (or creates) the journal in `dir` and returns it with everything it holds. */
  static open<E, S>(
    dir: string,
    compactAfter = DEFAULT_COMPACT_AFTER,
  ): { journal: Journal<E, S>; contents: JournalContents<E, S> } {
    fs.mkdirSync(dir, { recursive: true });
    const journalPath = path.join(dir, 'journal.jsonl');
    const snapshotPath = path.join(dir, 'snapshot.json');
    const snapshot = readSnapshot<S>(snapshotPath);
    const lines = readLines<E>(journalPath);
    const after = lines.filter((line) => line.seq > (snapshot?.seq ?? 0));
    const seq = lines.reduce((max, line) => Math.max(max, line.seq), snapshot?.seq ?? 0);
    const fd = fs.openSync(journalPath, 'a');
    const journal = new Journal<E, S>(
      journalPath,
      snapshotPath,
      fd,
      seq,
      after.length,
      compactAfter,
    );
    return {
      journal,
      contents: { snapshot: snapshot?.state, events: after.map((line) => line.event) },
    };
  }

  /** Writes `event` and waits until it is on disk; call before applying it in memory. */
  append(event: E): void {
    const line: JournalLine<E> = { seq: this.seq + 1, event };
    const bytes = Buffer.from(`${JSON.stringify(line)}\n`);
    const size = fs.fstatSync(this.fd).size;
    try {
      for (let offset = 0; offset < bytes.length;) {
        offset += fs.writeSync(this.fd, bytes, offset);
      }
      fs.fsyncSync(this.fd);
    } catch (error) {
      // Cut a partial line off (disk full, I/O error) so later entries do not follow garbage.
      try {
        fs.ftruncateSync(this.fd, size);
      } catch {
        // The next start drops a torn final line anyway.
      }
      throw error;
    }
    this.seq = line.seq;
  }

  /** True when enough entries piled up since the last snapshot to be worth folding. */
  shouldCompact(): boolean {
    return this.sinceSnapshot >= this.compactAfter;
  }

  /** Replaces snapshot and journal by a snapshot of `state`, which must include every entry. */
  compact(state: S): void {
    const file: SnapshotFile<S> = { seq: this.seq, state };
    const tmp = `${this.snapshotPath}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, JSON.stringify(file));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.snapshotPath);
    fsyncDirectory(path.dirname(this.snapshotPath));
    fs.closeSync(this.fd);
    this.fd = fs.openSync(this.journalPath, 'w');
    fs.fsyncSync(this.fd);
  }

  /** Closes the file; later appends throw. */
  close(): void {
    fs.closeSync(this.fd);
  }
}

function readSnapshot<S>(file: string): SnapshotFile<S> | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SnapshotFile<S>;
  } catch (error) {
    throw new LocalnetStateError(
      `Localnet snapshot ${file} is unreadable (${String(error)}); restore it from a backup or start with a new --home.`,
    );
  }
}

function readLines<E>(file: string): JournalLine<E>[] {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8');
  const rows = text.split('\n');
  const lines: JournalLine<E>[] = [];
  for (let i = 0; i < rows.length; i += 1) {
    if (rows[i] === '') continue;
    try {
      lines.push(JSON.parse(rows[i]) as JournalLine<E>);
    } catch (error) {
      // A torn final line is a write cut short by a crash: its entry was never acknowledged.
      if (i === rows.length - 1) {
        fs.truncateSync(file, Buffer.byteLength(rows.slice(0, i).join('\n')) + (i > 0 ? 1 : 0));
        break;
      }
      throw new LocalnetStateError(
        `Localnet journal ${file} is corrupt at line ${i + 1} (${String(error)}); restore it from a backup or start with a new --home.`,
      );
    }
  }
  return lines;
}

function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse to fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
