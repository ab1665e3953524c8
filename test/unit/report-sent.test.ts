import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { readSentRegistrations } from '../../src/report/sent';

describe('registrations left by cut-off groups', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shelby-batch-sent-'));
    fs.mkdirSync(path.join(dir, 'registrations'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: string): void =>
    fs.writeFileSync(path.join(dir, 'registrations', name), content);

  it('maps every file to its account and, when known, its transaction', () => {
    write(
      '0.json',
      JSON.stringify([
        { indices: [0, 1], account: 'alice', tx: { hash: '0xaa', expiresAtMs: 1 } },
        { indices: [2], account: 'alice' },
      ]),
    );
    write('32.json', JSON.stringify([{ indices: [32], tx: { hash: '0xbb', expiresAtMs: 1 } }]));
    write('64.json', '{ damaged');
    const sent = readSentRegistrations(dir);
    expect(Object.fromEntries(sent)).toEqual({
      0: { txHash: '0xaa', account: 'alice' },
      1: { txHash: '0xaa', account: 'alice' },
      2: { txHash: undefined, account: 'alice' },
      32: { txHash: '0xbb', account: undefined },
    });
  });

  it('keeps a known transaction over a later record without one', () => {
    write(
      '0.json',
      JSON.stringify([
        { indices: [5], account: 'bob', tx: { hash: '0xcc', expiresAtMs: 1 } },
        { indices: [5], account: 'bob' },
      ]),
    );
    expect(readSentRegistrations(dir).get(5)).toEqual({ txHash: '0xcc', account: 'bob' });
  });

  it('is empty for a batch that left none', () => {
    fs.rmSync(path.join(dir, 'registrations'), { recursive: true });
    expect(readSentRegistrations(dir).size).toBe(0);
  });
});
