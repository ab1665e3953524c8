import { constants, type Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import type { SkipReason } from '../manifest/manifest';

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
}

// Entries stat'ed at once: enough to hide file system latency, small enough to stay cheap.
const STAT_BATCH = 64;

interface Frame {
  dir: string;
  relative: string;
  names: string[];
  position: number;
  /** Results for names[position ...], fetched a batch at a time. */
  prefetched: Inspected[];
  identity: string;
}

type Inspected =
  | { kind: 'gone' }
  | { kind: 'item'; item: WalkItem }
  | { kind: 'dir'; dir: string; relative: string; identity: string };

/**
 * Walks one source in a stable order (entries sorted by name in each folder, folders entered where
 * they sort), yielding files and skipped entries one at a time. Only the entry names of the
 * folders on the current path are held in memory, never the whole tree.
 *
 * Never throws for what it finds: unreadable entries, special files, symlinks, loops and links
 * out of the source come out as skipped items, and the walk goes on. Entries that vanish during
 * the walk are left out. The source itself must exist.
 */
export async function* walkSource(
  source: string,
  options: WalkOptions = {},
): AsyncGenerator<WalkItem> {
  const follow = options.followSymlinks ?? false;
  const root = path.resolve(source);
  const rootStats = await fs.stat(root);
  if (!rootStats.isDirectory()) {
    const checked = await inspectTarget(root, path.basename(root), rootStats);
    if (checked.kind === 'item') yield checked.item;
    return;
  }

  const rootReal = await fs.realpath(root);
  const stack: Frame[] = [];
  const ancestors = new Set<string>();
  const opened = await openFrame(root, '', identityOf(rootStats));
  if ('item' in opened) {
    yield opened.item;
    return;
  }
  stack.push(opened.frame);
  ancestors.add(opened.frame.identity);

  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.position >= frame.names.length) {
      stack.pop();
      ancestors.delete(frame.identity);
      continue;
    }
    if (frame.prefetched.length === 0) {
      const batch = frame.names.slice(frame.position, frame.position + STAT_BATCH);
      frame.prefetched = await Promise.all(
        batch.map((name) => inspect(frame, name, follow, rootReal)),
      );
    }
    const found = frame.prefetched.shift() as Inspected;
    frame.position++;
    if (found.kind === 'item') yield found.item;
    if (found.kind !== 'dir') continue;

    if (ancestors.has(found.identity)) {
      yield skipped(found.dir, found.relative, 'symlink', 'loop: leads back to a parent folder');
      continue;
    }
    const child = await openFrame(found.dir, found.relative, found.identity);
    if ('item' in child) {
      yield child.item;
      continue;
    }
    stack.push(child.frame);
    ancestors.add(child.frame.identity);
  }
}

async function openFrame(
  dir: string,
  relative: string,
  identity: string,
): Promise<{ frame: Frame } | { item: WalkItem }> {
  const names: string[] = [];
  try {
    const handle = await fs.opendir(dir, { bufferSize: 256 });
    for await (const entry of handle) names.push(entry.name);
  } catch (error) {
    return {
      item: skipped(dir, relative, 'unreadable', `cannot list the folder: ${codeOf(error)}`),
    };
  }
  // Default sort compares UTF-16 code units: the same order on every machine and every run, so
  // manifest indexes are stable.
  names.sort();
  return { frame: { dir, relative, names, position: 0, prefetched: [], identity } };
}

async function inspect(
  frame: Frame,
  name: string,
  follow: boolean,
  rootReal: string,
): Promise<Inspected> {
  const full = path.join(frame.dir, name);
  const relative = frame.relative === '' ? name : `${frame.relative}/${name}`;
  let stats: Stats;
  try {
    stats = await fs.lstat(full);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return { kind: 'gone' };
    return { kind: 'item', item: skipped(full, relative, 'unreadable', codeOf(error)) };
  }
  if (!stats.isSymbolicLink()) return inspectTarget(full, relative, stats);

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
  return inspectTarget(full, relative, targetStats);
}

async function inspectTarget(full: string, relative: string, stats: Stats): Promise<Inspected> {
  if (stats.isDirectory()) {
    return { kind: 'dir', dir: full, relative, identity: identityOf(stats) };
  }
  if (!stats.isFile()) {
    return { kind: 'item', item: skipped(full, relative, 'not-regular', kindOf(stats), stats) };
  }
  try {
    await fs.access(full, constants.R_OK);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return { kind: 'gone' };
    const detail = `cannot open for reading: ${codeOf(error)}`;
    return { kind: 'item', item: skipped(full, relative, 'unreadable', detail, stats) };
  }
  return { kind: 'item', item: { path: full, relative, size: stats.size, mtimeMs: stats.mtimeMs } };
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
