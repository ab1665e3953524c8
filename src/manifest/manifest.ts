import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** Why a file found by planning will not be uploaded. */
export type SkipReason =
  'symlink' | 'invalid-name' | 'unreadable' | 'not-regular' | 'duplicate-name' | 'same-file';

/**
 * Whether a skip means a file the user asked for could not be stored (it cannot be read, or its
 * name cannot be a blob name or is taken by another file): such a file counts as failed, and a
 * retry plans it again. The other reasons leave a file out by policy (symbolic links, special
 * files), which is not a failure.
 */
export function skipIsFailure(reason: string): boolean {
  return reason === 'unreadable' || reason === 'invalid-name' || reason === 'duplicate-name';
}

/** One file found by planning, uploadable or skipped. */
export interface ManifestEntry {
  /** Position in the manifest, from 0; stable for the life of the batch. */
  index: number;
  /** Absolute path of the file. */
  path: string;
  /** Blob name it will be stored under. */
  name: string;
  /** Size in bytes when planned. */
  size: number;
  /** Modification time when planned, to notice a file changed before upload. */
  mtimeMs: number;
  /** Present when the file will not be uploaded. */
  skip?: { reason: SkipReason; detail: string };
}

/** Totals of a complete manifest. Its presence on disk is what marks the manifest complete. */
export interface ManifestSummary {
  /** Entries, uploadable or skipped. */
  files: number;
  uploadable: number;
  /** Entries not uploaded, for any reason. */
  skipped: number;
  /**
   * Of the skipped entries, those that count as failed ({@link skipIsFailure}): files that were
   * asked for but cannot be stored as planned.
   */
  unstorable: number;
  /** Bytes of the uploadable entries. */
  bytes: number;
  pages: number;
  /** Entries per page (the last page may hold fewer). */
  pageSize: number;
}

/** A manifest that is missing, incomplete or damaged; planning again fixes it. */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/** Entries per page unless told otherwise: small enough to read one page per activity cheaply. */
export const DEFAULT_PAGE_SIZE = 500;

const SUMMARY_FILE = 'summary.json';

/** File name of a page: `page-000000.jsonl`, `page-000001.jsonl`, … */
export function pageFileName(page: number): string {
  return `page-${String(page).padStart(6, '0')}.jsonl`;
}

/** Pages being written at once; the walk goes on while they reach the disk. */
const PAGES_IN_FLIGHT = 4;

/**
 * Writes a manifest as pages of JSON lines, holding at most one page being filled and a few being
 * written in memory.
 *
 * Every file is written to a temporary name, flushed and renamed, and `summary.json` is written
 * last by {@link close}: a manifest without a summary is incomplete, so a crash mid-plan never
 * leaves one that looks finished. Opening a writer on a folder removes any earlier manifest there
 * first.
 */
export class ManifestWriter {
  private readonly ready: Promise<void>;
  private cleared = false;
  private readonly writing = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;
  private buffer: ManifestEntry[] = [];
  private nextPage = 0;
  private closed = false;
  private readonly totals = { files: 0, uploadable: 0, skipped: 0, unstorable: 0, bytes: 0 };

  /**
   * @param dir folder for the manifest; created if missing
   * @param pageSize entries per page
   */
  constructor(
    private readonly dir: string,
    private readonly pageSize: number = DEFAULT_PAGE_SIZE,
  ) {
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
      throw new RangeError(
        `manifest page size must be a whole number of at least 1, got ${pageSize}`,
      );
    }
    this.ready = clearManifest(dir).then(() => {
      this.cleared = true;
    });
    // Errors surface from add() and close(); this only keeps an unused writer from crashing Node.
    this.ready.catch(() => undefined);
  }

  /**
   * Appends an entry and returns its index. Indexes are given in call order even if calls are not
   * awaited; awaiting each call keeps memory to a few pages.
   */
  add(entry: Omit<ManifestEntry, 'index'>): Promise<number> {
    let index: number;
    try {
      index = this.append(entry);
    } catch (error) {
      return Promise.reject(error);
    }
    const wait = this.backpressure();
    return wait ? wait.then(() => index) : Promise.resolve(index);
  }

  /**
   * Appends an entry without waiting and returns its index; a page that fills up starts being
   * written. Callers adding many entries await {@link backpressure} when it asks them to.
   *
   * @throws ManifestError when the writer is closed
   */
  append(entry: Omit<ManifestEntry, 'index'>): number {
    if (this.closed) throw new ManifestError('the manifest writer is closed');
    const index = this.totals.files++;
    const full: ManifestEntry = {
      index,
      path: entry.path,
      name: entry.name,
      size: entry.size,
      mtimeMs: entry.mtimeMs,
      ...(entry.skip ? { skip: { reason: entry.skip.reason, detail: entry.skip.detail } } : {}),
    };
    if (full.skip) {
      this.totals.skipped++;
      if (skipIsFailure(full.skip.reason)) this.totals.unstorable++;
    } else {
      this.totals.uploadable++;
      this.totals.bytes += full.size;
    }
    this.buffer.push(full);
    if (this.buffer.length >= this.pageSize) this.flushPage();
    return index;
  }

  /**
   * A promise to await before appending more, when pages are written slower than they fill up or
   * a write failed (it then rejects with that error); undefined when there is room.
   */
  backpressure(): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure.error);
    // Until the earlier manifest is gone, a caller must not believe anything was written.
    if (!this.cleared) return this.ready;
    if (this.writing.size < PAGES_IN_FLIGHT) return undefined;
    return Promise.race(this.writing).then(() => {
      if (this.failure) throw this.failure.error;
    });
  }

  /**
   * Reads back an entry already added, from memory or from its page on disk; used by planning to
   * name the other file of a name collision.
   */
  async lookup(index: number): Promise<ManifestEntry | undefined> {
    const first = this.buffer[0];
    if (first && index >= first.index) return this.buffer[index - first.index];
    await this.flush();
    const entries = await readManifestPage(this.dir, Math.floor(index / this.pageSize));
    return entries[index % this.pageSize];
  }

  /** Writes the last page and the summary, which marks the manifest complete. */
  async close(): Promise<ManifestSummary> {
    if (this.closed) throw new ManifestError('the manifest writer is already closed');
    if (this.buffer.length > 0) this.flushPage();
    this.closed = true;
    await this.ready;
    await this.flush();
    const summary: ManifestSummary = {
      ...this.totals,
      pages: this.nextPage,
      pageSize: this.pageSize,
    };
    await writeAtomically(path.join(this.dir, SUMMARY_FILE), `${JSON.stringify(summary)}\n`);
    return summary;
  }

  /**
   * Waits until every full page added so far is on disk (the page being filled stays in memory
   * until it is full or the writer closes).
   *
   * @throws the first error met writing a page
   */
  async flush(): Promise<void> {
    await this.ready;
    await Promise.all(this.writing);
    if (this.failure) throw this.failure.error;
  }

  private flushPage(): void {
    const entries = this.buffer;
    const file = path.join(this.dir, pageFileName(this.nextPage++));
    this.buffer = [];
    let text = '';
    for (const entry of entries) text += `${JSON.stringify(entry)}\n`;
    const write: Promise<void> = this.ready
      .then(() => writeAtomically(file, text))
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.writing.delete(write));
    this.writing.add(write);
  }
}

/**
 * Reads a manifest's summary.
 *
 * @returns undefined when the manifest is missing or incomplete (planning did not finish)
 */
export async function readSummary(dir: string): Promise<ManifestSummary | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, SUMMARY_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const summary = JSON.parse(text) as ManifestSummary;
    // Manifests written before the count existed.
    summary.unstorable ??= 0;
    return summary;
  } catch {
    throw new ManifestError(`${path.join(dir, SUMMARY_FILE)} is damaged; plan the batch again`);
  }
}

/**
 * Reads one page of a manifest.
 *
 * @throws ManifestError when the page is missing or damaged
 */
export async function readManifestPage(dir: string, page: number): Promise<ManifestEntry[]> {
  const file = path.join(dir, pageFileName(page));
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ManifestError(`manifest page ${file} cannot be read (${code}); plan the batch again`);
  }
  const entries: ManifestEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      entries.push(JSON.parse(line) as ManifestEntry);
    } catch {
      throw new ManifestError(`manifest page ${file} is damaged; plan the batch again`);
    }
  }
  return entries;
}

/**
 * Reads the entries at the given indexes, in the order asked, reading each needed page once.
 *
 * @throws ManifestError when the manifest is incomplete or an index is out of range
 */
export async function readManifestEntries(
  dir: string,
  indices: readonly number[],
): Promise<ManifestEntry[]> {
  if (indices.length === 0) return [];
  const summary = await readSummary(dir);
  if (!summary) {
    throw new ManifestError(
      `the manifest in ${dir} is incomplete (no summary); plan the batch again`,
    );
  }
  const pages = new Map<number, ManifestEntry[]>();
  for (const index of indices) {
    if (!Number.isSafeInteger(index) || index < 0 || index >= summary.files) {
      throw new ManifestError(
        `manifest index ${index} is out of range: the manifest in ${dir} has ${summary.files} entries`,
      );
    }
    const page = Math.floor(index / summary.pageSize);
    if (!pages.has(page)) pages.set(page, await readManifestPage(dir, page));
  }
  return indices.map((index) => {
    const entry = pages.get(Math.floor(index / summary.pageSize))?.[index % summary.pageSize];
    if (!entry || entry.index !== index) {
      throw new ManifestError(`manifest entry ${index} in ${dir} is missing; plan the batch again`);
    }
    return entry;
  });
}

// Removes an earlier manifest in the folder, summary first so that it stops looking complete
// before its pages go.
async function clearManifest(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.rm(path.join(dir, SUMMARY_FILE), { force: true });
  for (const name of await fs.readdir(dir)) {
    if (/^page-\d+\.jsonl(\..*\.tmp)?$/.test(name))
      await fs.rm(path.join(dir, name), { force: true });
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await fs.open(temporary, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temporary, file);
}
