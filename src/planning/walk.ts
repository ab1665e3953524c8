import { constants, lstatSync, type Dirent, type Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

import type { SkipReason } from '../manifest/manifest';
import { currentReader, permitsReading, type Reader } from './readable';

/** One thing found under a source: a file to upload or something to report as skipped. */
export interface WalkItem {
  /** Absolute path, as reached (through the link when a symlink was followed). */
  path: string;
  /** Path relative to the source folder with `/` separators; a file source gives its base name. */
  relative: string;
  size: number;
  mtimeMs: number;
  skip?: { reason: SkipReason; detail: string };
}

/** How to walk. */
export interface WalkOptions {
  /** Follow symbolic links that stay inside the source; default false (report them as skipped). */
  followSymlinks?: boolean;
  /** Entries inspected at once; default {@link DEFAULT_STAT_CONCURRENCY}. */
  statConcurrency?: number;
  /**
   * `auto` (default) inspects synchronously a batch at a time until the file system proves slow;
   * `async` uses the asynchronous window from the start.
   */
  statMode?: 'auto' | 'async';
  /** In `auto` mode, the average `lstat` time above which the file system counts as slow. */
  slowStatMs?: number;
}

/**
 * Entries inspected at once: enough to keep libuv's thread pool busy and hide file system latency,
 * few enough that the results waiting to be consumed stay a handful of objects per folder.
 */
export const DEFAULT_STAT_CONCURRENCY = 64;

/**
 * Above this average per entry, synchronous `lstat`s are deemed slow (a network or FUSE file
 * system). From the page cache an `lstat` takes a few microseconds, a network round trip hundreds.
 */
const SLOW_STAT_MS = 0.25;

/**
 * The average is judged over this many entries, and the walk switches to asynchronous `lstat`s
 * for good after two slow judgements in a row: a busy machine that preempts the walk now and then
 * must not pass for a slow file system.
 */
const SLOW_JUDGED_OVER = 256;

// What a folder listing says an entry is, so that most entries need one system call at most.
enum Kind {
  Unknown,
  File,
  Directory,
  Symlink,
  Special,
  /** A name that is not valid UTF-8: it cannot be opened by the name Node decodes. */
  Undecodable,
}

interface Frame {
  dir: string;
  relative: string;
  identity: string;
  /** Entry names in walk order; kinds[i] is what the listing said names[i] is. */
  names: string[];
  kinds: Uint8Array;
  /** Index of the next entry to hand out. */
  position: number;
  /** Inspections done or started for names[position ...], oldest first. */
  ahead: (Inspected | Promise<Inspected>)[];
}

type Inspected =
  | { kind: 'gone' }
  | { kind: 'item'; item: WalkItem }
  | { kind: 'dir'; dir: string; relative: string; identity: string };

/** Items handed out at once by {@link walkSourceInBatches}. */
const ITEMS_PER_BATCH = 256;

/**
 * Walks one source like {@link walkSourceInBatches}, yielding files and skipped entries one at a
 * time.
 */
export async function* walkSource(
  source: string,
  options: WalkOptions = {},
): AsyncGenerator<WalkItem> {
  for await (const batch of walkSourceInBatches(source, options)) yield* batch;
}

/**
 * Walks one source in a stable order (entries sorted by name in each folder, folders entered where
 * they sort), yielding files and skipped entries a few hundred at a time: a large tree is walked
 * at tens of thousands of entries per second, where a promise per entry would cost as much as the
 * walk. Only the entry names of the
 * folders on the current path are held in memory, never the whole tree.
 *
 * A file costs one `lstat` (its size and modification time); the listing's entry types spare the
 * rest. Whether a file can be read is judged from the permission bits in that `lstat`, confirmed
 * by `access` only for the rare file they refuse: checking every file would double the system
 * calls of a large tree. (What the bits cannot tell, an access control list refusing a file they
 * allow, the upload finds.)
 *
 * Files and folders are `lstat`ed synchronously a batch at a time while the file system answers
 * from memory: a round trip through libuv's thread pool costs several times the call itself, and
 * the walk yields to the event loop between batches. When a batch is slow (a network file system)
 * the walk switches to a sliding window of asynchronous inspections, so that latency overlaps.
 *
 * Never throws for what it finds: unreadable folders, special files, symlinks, loops and links out
 * of the source come out as skipped items, and the walk goes on. Entries that vanish during the
 * walk are left out. The source itself must exist.
 */
export async function* walkSourceInBatches(
  source: string,
  options: WalkOptions = {},
): AsyncGenerator<WalkItem[]> {
  const follow = options.followSymlinks ?? false;
  const window = Math.max(1, Math.floor(options.statConcurrency ?? DEFAULT_STAT_CONCURRENCY));
  let synchronous = options.statMode !== 'async';
  const timing = { ms: 0, entries: 0, slowInARow: 0 };
  const reader = currentReader();
  const root = path.resolve(source);
  const rootStats = await fs.stat(root);
  if (!rootStats.isDirectory()) {
    const checked = await inspectTarget(root, path.basename(root), rootStats, reader);
    if (checked.kind === 'item') yield [checked.item];
    return;
  }

  const rootReal = await fs.realpath(root);
  const stack: Frame[] = [];
  const ancestors = new Set<string>();
  const opened = await openFrame(root, '', identityOf(rootStats));
  if ('item' in opened) {
    yield [opened.item];
    return;
  }
  stack.push(opened.frame);
  ancestors.add(opened.frame.identity);

  let out: WalkItem[] = [];
  while (stack.length > 0) {
    if (out.length >= ITEMS_PER_BATCH) {
      yield out;
      out = [];
    }
    const frame = stack[stack.length - 1];
    if (frame.position >= frame.names.length) {
      stack.pop();
      ancestors.delete(frame.identity);
      continue;
    }
    if (synchronous && frame.ahead.length === 0) {
      // A batch at once, timed, then a turn of the event loop for timers and I/O.
      const started = performance.now();
      const end = Math.min(frame.names.length, frame.position + window);
      for (let next = frame.position; next < end; next++) {
        frame.ahead.push(
          inspectNow(frame, next, reader) ?? inspect(frame, next, follow, rootReal, reader),
        );
      }
      timing.ms += performance.now() - started;
      timing.entries += end - frame.position;
      if (timing.entries >= SLOW_JUDGED_OVER) {
        const slow = timing.ms / timing.entries > (options.slowStatMs ?? SLOW_STAT_MS);
        timing.slowInARow = slow ? timing.slowInARow + 1 : 0;
        if (timing.slowInARow >= 2) synchronous = false;
        timing.ms = 0;
        timing.entries = 0;
      }
      await nextTurn();
    } else if (!synchronous) {
      // Keep the window full: start inspections up to `window` entries ahead.
      for (
        let next = frame.position + frame.ahead.length;
        frame.ahead.length < window && next < frame.names.length;
        next++
      ) {
        frame.ahead.push(inspect(frame, next, follow, rootReal, reader));
      }
    }
    // Awaiting only what is pending spares a turn of the microtask queue per entry.
    const next = frame.ahead.shift() as Inspected | Promise<Inspected>;
    const found = next instanceof Promise ? await next : next;
    frame.position++;
    if (found.kind === 'item') out.push(found.item);
    if (found.kind !== 'dir') continue;

    if (ancestors.has(found.identity)) {
      out.push(
        skipped(found.dir, found.relative, 'symlink', 'loop: leads back to a parent folder'),
      );
      continue;
    }
    const child = await openFrame(found.dir, found.relative, found.identity);
    if ('item' in child) {
      out.push(child.item);
      continue;
    }
    stack.push(child.frame);
    ancestors.add(child.frame.identity);
  }
  if (out.length > 0) yield out;
}

async function openFrame(
  dir: string,
  relative: string,
  identity: string,
): Promise<{ frame: Frame } | { item: WalkItem }> {
  const listed: { name: string; kind: Kind }[] = [];
  try {
    const handle = await fs.opendir(dir, { bufferSize: 256 });
    for await (const entry of handle) listed.push({ name: entry.name, kind: kindOfEntry(entry) });
  } catch (error) {
    return {
      item: skipped(dir, relative, 'unreadable', `cannot list the folder: ${codeOf(error)}`),
    };
  }
  // Node decodes names as UTF-8, putting U+FFFD for bytes that are not; such a name reaches no
  // file, so it is reported rather than found missing later.
  if (listed.some((entry) => entry.name.includes('\uFFFD'))) {
    const undecodable = await undecodableNames(dir);
    for (const entry of listed) {
      if (undecodable.has(entry.name)) entry.kind = Kind.Undecodable;
    }
  }
  // Comparing UTF-16 code units gives the same order on every machine and every run, so manifest
  // indexes are stable.
  listed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const names = listed.map((entry) => entry.name);
  const kinds = Uint8Array.from(listed, (entry) => entry.kind);
  return { frame: { dir, relative, identity, names, kinds, position: 0, ahead: [] } };
}

/**
 * Inspects a file or folder the listing named, synchronously; undefined for anything else (links,
 * special files, errors, files the permission bits refuse), which {@link inspect} handles.
 */
function inspectNow(frame: Frame, at: number, reader: Reader | undefined): Inspected | undefined {
  const kind = frame.kinds[at];
  if (kind !== Kind.File && kind !== Kind.Directory) return undefined;
  const name = frame.names[at];
  const full = path.join(frame.dir, name);
  let stats: Stats | undefined;
  try {
    stats = lstatSync(full, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
  if (stats === undefined) return { kind: 'gone' };
  if (stats.isDirectory()) {
    const relative = frame.relative === '' ? name : `${frame.relative}/${name}`;
    return { kind: 'dir', dir: full, relative, identity: identityOf(stats) };
  }
  if (!stats.isFile() || !permitsReading(stats, reader)) return undefined;
  const relative = frame.relative === '' ? name : `${frame.relative}/${name}`;
  return { kind: 'item', item: { path: full, relative, size: stats.size, mtimeMs: stats.mtimeMs } };
}

async function inspect(
  frame: Frame,
  at: number,
  follow: boolean,
  rootReal: string,
  reader: Reader | undefined,
): Promise<Inspected> {
  const name = frame.names[at];
  const full = path.join(frame.dir, name);
  const relative = frame.relative === '' ? name : `${frame.relative}/${name}`;

  if (frame.kinds[at] === Kind.Undecodable) {
    const detail = 'the name is not valid UTF-8; rename it to upload it';
    return { kind: 'item', item: skipped(full, relative, 'invalid-name', detail) };
  }

  // A symlink that is not followed needs its target only, for the report.
  if (frame.kinds[at] === Kind.Symlink && !follow) {
    const target = await fs.readlink(full).catch((error: unknown) => {
      return codeOf(error) === 'ENOENT' ? undefined : `(unreadable link: ${codeOf(error)})`;
    });
    if (target === undefined) return { kind: 'gone' };
    return { kind: 'item', item: skipped(full, relative, 'symlink', target) };
  }

  let stats: Stats;
  try {
    stats = await fs.lstat(full);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return { kind: 'gone' };
    return { kind: 'item', item: skipped(full, relative, 'unreadable', codeOf(error)) };
  }
  // The lstat is the truth: the entry may have been replaced since the folder was listed.
  if (!stats.isSymbolicLink()) return inspectTarget(full, relative, stats, reader);

  const target = await fs.readlink(full).catch(() => '(unreadable link)');
  if (!follow) {
    return { kind: 'item', item: skipped(full, relative, 'symlink', target, stats) };
  }
  let targetStats: Stats;
  let targetReal: string;
  try {
    targetStats = await fs.stat(full);
    targetReal = await fs.realpath(full);
  } catch (error) {
    const detail = `${target} (broken link: ${codeOf(error)})`;
    return { kind: 'item', item: skipped(full, relative, 'symlink', detail, stats) };
  }
  const inside = path.relative(rootReal, targetReal);
  if (inside.startsWith('..') || path.isAbsolute(inside)) {
    const detail = `${target} (points outside the source folder; not followed)`;
    return { kind: 'item', item: skipped(full, relative, 'symlink', detail, stats) };
  }
  return inspectTarget(full, relative, targetStats, reader);
}

async function inspectTarget(
  full: string,
  relative: string,
  stats: Stats,
  reader: Reader | undefined,
): Promise<Inspected> {
  if (stats.isDirectory()) {
    return { kind: 'dir', dir: full, relative, identity: identityOf(stats) };
  }
  if (!stats.isFile()) {
    return { kind: 'item', item: skipped(full, relative, 'not-regular', kindOf(stats), stats) };
  }
  if (!permitsReading(stats, reader)) {
    try {
      await fs.access(full, constants.R_OK);
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return { kind: 'gone' };
      const detail = `cannot open for reading: ${codeOf(error)}`;
      return { kind: 'item', item: skipped(full, relative, 'unreadable', detail, stats) };
    }
  }
  return { kind: 'item', item: { path: full, relative, size: stats.size, mtimeMs: stats.mtimeMs } };
}

/** The names in `dir` whose bytes are not valid UTF-8, as Node decodes them. */
async function undecodableNames(dir: string): Promise<Set<string>> {
  const found = new Set<string>();
  try {
    for (const raw of await fs.readdir(dir, { encoding: 'buffer' })) {
      const decoded = raw.toString('utf8');
      if (!Buffer.from(decoded, 'utf8').equals(raw)) found.add(decoded);
    }
  } catch {
    // The folder went away or became unreadable since it was listed: its entries say so.
  }
  return found;
}

function kindOfEntry(entry: Dirent): Kind {
  if (entry.isFile()) return Kind.File;
  if (entry.isDirectory()) return Kind.Directory;
  if (entry.isSymbolicLink()) return Kind.Symlink;
  if (entry.isFIFO() || entry.isSocket() || entry.isBlockDevice() || entry.isCharacterDevice()) {
    return Kind.Special;
  }
  // Some file systems do not say; lstat will.
  return Kind.Unknown;
}

function skipped(
  full: string,
  relative: string,
  reason: SkipReason,
  detail: string,
  stats?: Stats,
): WalkItem {
  const size = stats && stats.isFile() ? stats.size : 0;
  return { path: full, relative, size, mtimeMs: stats?.mtimeMs ?? 0, skip: { reason, detail } };
}

// Folders are told apart by (device, inode): the same folder reached twice on one path is a loop.
function identityOf(stats: Stats): string {
  return `${stats.dev}:${stats.ino}`;
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'named pipe (FIFO)';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'character device';
  if (stats.isBlockDevice()) return 'block device';
  return 'not a regular file';
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? String(error);
}
