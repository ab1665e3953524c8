import {
  MAX_BLOB_NAME_LENGTH,
  toBlobName,
  validateBlobName,
  validatePrefix,
} from '../../src/planning/names';

describe('toBlobName', () => {
  it.each([
    ['', 'a.txt', 'a.txt'],
    ['b01/', 'z/empty', 'b01/z/empty'],
    ['backup-', 'x', 'backup-x'],
    ['', 'cafe\u0301.txt', 'caf\u00e9.txt'],
    ['pre\u0301/', 'x', 'pr\u00e9/x'],
  ])('joins %j and %j into NFC %j', (prefix, relative, expected) => {
    expect(toBlobName(prefix, relative)).toBe(expected);
  });
});

describe('validateBlobName', () => {
  it.each([
    ['a one-character name', 'a'],
    ['a name of exactly 1024 characters', 'x'.repeat(MAX_BLOB_NAME_LENGTH)],
    ['an 80-character CJK name of 240 bytes', '漢'.repeat(80)],
    ['a 1024-character CJK name (3072 bytes)', '漢'.repeat(1024)],
    ['spaces, query and hash characters', 'a b?c#d%20'],
    ['a leading slash', '/abs/path'],
    ['an emoji (a surrogate pair)', 'photo-\u{1F600}.jpg'],
  ])('accepts %s', (_case, name) => {
    expect(validateBlobName(name)).toEqual({ ok: true });
  });

  it.each([
    ['an empty name', '', /empty/],
    [
      '1025 characters',
      'x'.repeat(1025),
      /1025 characters \(1025 bytes\); Shelby accepts at most 1024/,
    ],
    ['513 emoji (1026 UTF-16 units)', '\u{1F600}'.repeat(513), /1026 characters \(2052 bytes\)/],
    ['a trailing slash', 'folder/', /ends with "\/"/],
    ['a lone high surrogate', 'a\ud800b', /lone UTF-16 surrogate/],
    ['a lone low surrogate at the end', 'ab\udc00', /lone UTF-16 surrogate/],
  ])('rejects %s', (_case, name, reason) => {
    const check = validateBlobName(name);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });
});

describe('validatePrefix', () => {
  it.each([[''], ['b01/'], ['backup-'], ['x'.repeat(1023)]])('accepts %j', (prefix) => {
    expect(validatePrefix(prefix)).toEqual({ ok: true });
  });

  it.each([
    ['a prefix leaving no room for a file name', 'x'.repeat(1024)],
    ['a lone surrogate', '\ud800/'],
  ])('rejects %s', (_case, prefix) => {
    expect(validatePrefix(prefix).ok).toBe(false);
  });
});
