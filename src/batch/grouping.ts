import type { FileRef } from './types';

/** Files under this size share an upload group and one registration transaction. */
export const SMALL_FILE_BYTES = 1024 * 1024;
/**
 * At most this many blobs per `register_multiple_blobs`: with names of up to 1,024 characters a
 * transaction stays near 35 KiB, well under Aptos's 64 KiB, and its gas far under the default cap.
 */
export const GROUP_MAX_FILES = 32;
/** Bytes of small files per group, so one group's uploads finish in reasonable time. */
export const GROUP_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Small files per group for a batch: {@link GROUP_MAX_FILES}, or fewer when the batch is so small
 * that full groups would leave some of its accounts without work (40 files over 3 accounts make
 * groups of 14, one per account, not 32 + 8 over two).
 */
export function groupFileLimit(uploadable: number, accounts: number): number {
  return Math.max(1, Math.min(GROUP_MAX_FILES, Math.ceil(uploadable / Math.max(1, accounts))));
}

/**
 * Takes the next upload group from the front of `queue`: one file of 1 MiB or more on its own,
 * or a run of up to `maxFiles` small files. Pure, so the workflow and the cost estimate group
 * alike.
 */
export function takeGroup(queue: FileRef[], maxFiles: number = GROUP_MAX_FILES): FileRef[] {
  const group = [queue.shift()!];
  let bytes = group[0].size;
  while (
    group[0].size < SMALL_FILE_BYTES &&
    queue.length > 0 &&
    queue[0].size < SMALL_FILE_BYTES &&
    group.length < maxFiles &&
    bytes + queue[0].size <= GROUP_MAX_BYTES
  ) {
    bytes += queue[0].size;
    group.push(queue.shift()!);
  }
  return group;
}
