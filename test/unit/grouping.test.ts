import {
  GROUP_MAX_BYTES,
  GROUP_MAX_FILES,
  SMALL_FILE_BYTES,
  groupFileLimit,
  takeGroup,
} from '../../src/batch/grouping';
import type { FileRef } from '../../src/batch/types';

function files(sizes: number[]): FileRef[] {
  return sizes.map((size, index) => ({ index, size }));
}

function groupAll(queue: FileRef[], maxFiles?: number): number[][] {
  const groups: number[][] = [];
  while (queue.length > 0) groups.push(takeGroup(queue, maxFiles).map((f) => f.index));
  return groups;
}

describe('upload groups', () => {
  it('put a file of 1 MiB or more on its own and runs of small files together', () => {
    const queue = files([10, SMALL_FILE_BYTES, 20, 30, SMALL_FILE_BYTES * 5, 40]);
    expect(groupAll(queue)).toEqual([[0], [1], [2, 3], [4], [5]]);
  });

  it('hold at most 32 small files and 8 MiB', () => {
    expect(groupAll(files(Array(70).fill(1))).map((g) => g.length)).toEqual([32, 32, 6]);
    const nearlyOneMiB = SMALL_FILE_BYTES - 1;
    const perGroup = Math.floor(GROUP_MAX_BYTES / nearlyOneMiB);
    expect(groupAll(files(Array(20).fill(nearlyOneMiB)))[0]).toHaveLength(perGroup);
  });

  it('hold at most the given number of small files', () => {
    expect(groupAll(files(Array(40).fill(1)), 14).map((g) => g.length)).toEqual([14, 14, 12]);
  });

  it('are sized so a small batch gives every account work, and never beyond 32', () => {
    expect(groupFileLimit(40, 3)).toBe(14);
    expect(groupFileLimit(40, 1)).toBe(GROUP_MAX_FILES);
    expect(groupFileLimit(1000, 3)).toBe(GROUP_MAX_FILES);
    expect(groupFileLimit(2, 5)).toBe(1);
    expect(groupFileLimit(0, 3)).toBe(1);
    expect(groupFileLimit(10, 0)).toBe(10);
  });
});
