import { FilterError, matches, sortRows, type Row } from '../../src/localnet/graphql-filter';

const columns = ['owner', 'blob_name', 'size', 'expires_at', 'is_deleted'];
const row: Row = {
  owner: `0x${'0'.repeat(63)}1`,
  blob_name: '@00/a/b.txt',
  size: '1000',
  expires_at: '1700000000000000',
  is_deleted: '0',
};

describe('localnet indexer filters', () => {
  test.each([
    [{ size: { _eq: '1000' } }, true],
    [{ size: { _gt: 999 } }, true],
    [{ size: { _lt: '999' } }, false],
    [{ expires_at: { _gte: '1700000000000000' } }, true],
    [{ expires_at: { _gte: '1700000000000001' } }, false],
    [{ owner: { _eq: '0x1' } }, true],
    [{ blob_name: { _in: ['@00/x', '@00/a/b.txt'] } }, true],
    [{ blob_name: { _nin: ['@00/a/b.txt'] } }, false],
    [{ blob_name: { _like: '@00/a/%' } }, true],
    [{ _or: [{ size: { _eq: '1' } }, { is_deleted: { _eq: '0' } }] }, true],
    [{ _and: [{ size: { _eq: '1000' } }, { is_deleted: { _eq: '1' } }] }, false],
    [{ _not: { size: { _eq: '1000' } } }, false],
    [{}, true],
  ])('evaluates %j as %s', (where, expected) => {
    expect(matches(row, where, columns)).toBe(expected);
  });

  test('refuses unknown columns and operators', () => {
    expect(() => matches(row, { nope: { _eq: '1' } }, columns)).toThrow(FilterError);
    expect(() => matches(row, { size: { _regex: '1' } }, columns)).toThrow(FilterError);
  });

  test('sorts numerically and by several terms', () => {
    const rows: Row[] = [
      { size: '10', blob_name: 'b' },
      { size: '9', blob_name: 'a' },
      { size: '10', blob_name: 'a' },
    ];
    expect(sortRows(rows, [{ size: 'desc' }, { blob_name: 'asc' }])).toEqual([
      { size: '10', blob_name: 'a' },
      { size: '10', blob_name: 'b' },
      { size: '9', blob_name: 'a' },
    ]);
  });
});
