import type { Stats } from 'node:fs';

/** Who the process reads files as, for {@link permitsReading}. */
export interface Reader {
  uid: number;
  groups: ReadonlySet<number>;
}

/**
 * The user and groups this process reads files as; undefined when permission bits do not apply
 * (root reads through them, and Windows has none), so that every file counts as readable.
 */
export function currentReader(): Reader | undefined {
  if (typeof process.getuid !== 'function' || typeof process.getgid !== 'function') {
    return undefined;
  }
  const uid = process.getuid();
  if (uid === 0) return undefined;
  const groups = new Set(process.getgroups?.() ?? []);
  groups.add(process.getgid());
  return { uid, groups };
}

/**
 * Whether a file's permission bits let the reader open it, from the `lstat` the walk already has,
 * so the common case costs no system call. The answer is a first opinion: access control lists
 * can grant what the bits refuse (confirm a refusal with `access`) or refuse what they grant (the
 * upload then fails that file).
 */
export function permitsReading(stats: Stats, reader: Reader | undefined): boolean {
  if (reader === undefined) return true;
  if (stats.uid === reader.uid) return (stats.mode & 0o400) !== 0;
  if (reader.groups.has(stats.gid)) return (stats.mode & 0o040) !== 0;
  return (stats.mode & 0o004) !== 0;
}
