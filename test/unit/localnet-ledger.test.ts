import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Ledger, type LedgerEvent, type TransactionRecord } from '../../src/localnet/ledger';

const alice = `0x${'a1'.repeat(32)}`;

function transaction(sequenceNumber: number, names: string[]): LedgerEvent {
  const txn: TransactionRecord = {
    hash: `0x${String(sequenceNumber).padStart(64, '0')}`,
    version: sequenceNumber + 1,
    sender: alice,
    sequenceNumber,
    success: true,
    vmStatus: 'Executed successfully',
    gasUsed: '500',
    gasUnitPrice: '100',
    maxGasAmount: '200000',
    expirationTimestampSecs: '0',
    fee: '50000',
    storageFee: '1000',
    function: '0x1::m::f',
    typeArguments: [],
    arguments: [],
    blobNames: names,
    timestampMicros: 1,
    signature: { type: 'ed25519_signature', public_key: '0x', signature: '0x' },
  };
  return {
    type: 'transaction',
    transaction: txn,
    blobs: names.map((name) => ({
      owner: alice,
      name,
      root: `0x${'00'.repeat(32)}`,
      size: 1,
      numChunksets: 1,
      encoding: 0,
      paymentTier: 0,
      expirationMicros: 10,
      creationMicros: sequenceNumber,
      txHash: txn.hash,
      version: txn.version,
      isWritten: false,
    })),
  };
}

function state(ledger: Ledger) {
  return {
    accounts: ledger.allAccounts(),
    blobs: ledger.allBlobs(),
    transactions: ledger.allTransactions(),
  };
}

describe('localnet ledger', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'localnet-ledger-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('replays funding, transactions and writes after a restart', () => {
    const ledger = Ledger.open(dir);
    ledger.commit({ type: 'fund', address: alice, apt: '1000000', shelbyusd: '5000', atMicros: 1 });
    ledger.commit(transaction(0, ['a', 'b']));
    ledger.commit({ type: 'written', owner: alice, name: 'b', creationMicros: 0, atMicros: 2 });
    const before = state(ledger);
    ledger.close();

    const reopened = Ledger.open(dir);
    expect(state(reopened)).toEqual(before);
    expect(reopened.account(alice)).toEqual({
      address: alice,
      sequenceNumber: 1,
      apt: 950000n,
      shelbyusd: 4000n,
    });
    expect(reopened.blob(alice, 'b')?.isWritten).toBe(true);
    expect(reopened.version).toBe(1);
    reopened.close();
  });

  test('folds the journal into a snapshot and never applies an entry twice', () => {
    const ledger = Ledger.open(dir, 2);
    ledger.commit({ type: 'fund', address: alice, apt: '1000000', shelbyusd: '5000', atMicros: 1 });
    ledger.commit(transaction(0, ['a']));
    ledger.commit(transaction(1, ['b']));
    const before = state(ledger);
    ledger.close();
    const journal = path.join(dir, 'journal.jsonl');
    const lines = fs.readFileSync(journal, 'utf8');

    // Opening compacts: the snapshot holds everything and the journal is emptied.
    Ledger.open(dir, 2).close();
    expect(fs.readFileSync(journal, 'utf8')).toBe('');
    expect(fs.existsSync(path.join(dir, 'snapshot.json'))).toBe(true);

    // A crash after the snapshot but before the truncation leaves old entries behind.
    fs.writeFileSync(journal, lines);
    const reopened = Ledger.open(dir, 2);
    expect(state(reopened)).toEqual(before);
    reopened.commit(transaction(2, ['c']));
    reopened.close();
    const last = Ledger.open(dir);
    expect(last.account(alice).sequenceNumber).toBe(3);
    expect(last.allBlobs().map((b) => b.name)).toEqual(['a', 'b', 'c']);
    last.close();
  });

  test('refuses a journal corrupted in the middle instead of guessing', () => {
    const ledger = Ledger.open(dir);
    ledger.commit({ type: 'fund', address: alice, apt: '1', shelbyusd: '1', atMicros: 1 });
    ledger.close();
    const journal = path.join(dir, 'journal.jsonl');
    fs.writeFileSync(journal, `garbage\n${fs.readFileSync(journal, 'utf8')}`);
    expect(() => Ledger.open(dir)).toThrow(/corrupt at line 1/);
  });
});
