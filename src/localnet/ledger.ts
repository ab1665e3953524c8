import { blobKey } from './addresses';
import { Journal } from './journal';
import type { MoveJson } from './move-args';

/**
 * The localnet's chain state: accounts, blobs and executed transactions. It changes only through
 * {@link LedgerEvent}s, each written to the journal before it is applied, so replaying the journal
 * at start rebuilds exactly the state that clients were told about.
 */

/** An account: sequence number and balances in base units (octas, ShelbyUSD units). */
export interface AccountRecord {
  address: string;
  sequenceNumber: number;
  apt: bigint;
  shelbyusd: bigint;
}

/** A registered blob. */
export interface BlobRecord {
  /** Owner address, long form. */
  owner: string;
  /** Blob name without the `@owner/` prefix. */
  name: string;
  /** Merkle root, `0x` + 64 hex. */
  root: string;
  size: number;
  numChunksets: number;
  encoding: number;
  paymentTier: number;
  expirationMicros: number;
  creationMicros: number;
  /** Hash and version of the transaction that registered it. */
  txHash: string;
  version: number;
  isWritten: boolean;
  /** When the RPC last completed an upload of its bytes. */
  writtenMicros?: number;
}

/** An executed (committed) transaction, successful or aborted. */
export interface TransactionRecord {
  hash: string;
  version: number;
  sender: string;
  sequenceNumber: number;
  success: boolean;
  vmStatus: string;
  gasUsed: string;
  gasUnitPrice: string;
  maxGasAmount: string;
  expirationTimestampSecs: string;
  /** Octas paid for gas. */
  fee: string;
  /** ShelbyUSD base units paid for storage (0 when aborted). */
  storageFee: string;
  /** `address::module::function`, address in long form. */
  function: string;
  typeArguments: string[];
  arguments: MoveJson[];
  /** Names the transaction registered (or tried to, when aborted). */
  blobNames: string[];
  timestampMicros: number;
  signature: { type: string; public_key: string; signature: string };
}

/** A change to the ledger. */
export type LedgerEvent =
  | { type: 'fund'; address: string; apt: string; shelbyusd: string; atMicros: number }
  | { type: 'transaction'; transaction: TransactionRecord; blobs: BlobRecord[] }
  | { type: 'written'; owner: string; name: string; creationMicros: number; atMicros: number };

interface StoredAccount {
  address: string;
  sequenceNumber: number;
  apt: string;
  shelbyusd: string;
}

interface LedgerSnapshot {
  accounts: StoredAccount[];
  blobs: BlobRecord[];
  transactions: TransactionRecord[];
}

function blobId(owner: string, name: string): string {
  return blobKey(owner, name);
}

/** In-memory chain state backed by a journal in `dir`. */
export class Ledger {
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly blobs = new Map<string, BlobRecord>();
  private readonly transactions = new Map<string, TransactionRecord>();
  private readonly ordered: TransactionRecord[] = [];

  private constructor(private readonly journal: Journal<LedgerEvent, LedgerSnapshot>) {}

  /**
   * Opens the ledger in `dir`, replaying what an earlier run left there; once `compactAfter`
   * entries accumulated, they are folded into a snapshot.
   */
  static open(dir: string, compactAfter?: number): Ledger {
    const { journal, contents } = Journal.open<LedgerEvent, LedgerSnapshot>(dir, compactAfter);
    const ledger = new Ledger(journal);
    if (contents.snapshot) ledger.restore(contents.snapshot);
    for (const event of contents.events) ledger.apply(event);
    if (journal.shouldCompact()) journal.compact(ledger.snapshot());
    return ledger;
  }

  /** Makes `event` durable, then applies it. */
  commit(event: LedgerEvent): void {
    this.journal.append(event);
    this.apply(event);
  }

  /** Stops writing; the ledger must not be used afterwards. */
  close(): void {
    this.journal.close();
  }

  /** Number of committed transactions, which is also the ledger version of the last one. */
  get version(): number {
    return this.ordered.length;
  }

  /** The account at `address` (long form); an unseen address reads as empty. */
  account(address: string): AccountRecord {
    return this.accounts.get(address) ?? { address, sequenceNumber: 0, apt: 0n, shelbyusd: 0n };
  }

  /** True once `address` was funded or sent a transaction. */
  isKnown(address: string): boolean {
    return this.accounts.has(address);
  }

  /** Every known account, in first-seen order. */
  allAccounts(): AccountRecord[] {
    return [...this.accounts.values()];
  }

  /** The current registration of `name` under `owner`, expired or not. */
  blob(owner: string, name: string): BlobRecord | undefined {
    return this.blobs.get(blobId(owner, name));
  }

  /** Every current registration, in registration order. */
  allBlobs(): BlobRecord[] {
    return [...this.blobs.values()];
  }

  /** The committed transaction with `hash` (lowercase `0x` hex). */
  transaction(hash: string): TransactionRecord | undefined {
    return this.transactions.get(hash);
  }

  /** Every committed transaction, oldest first. */
  allTransactions(): TransactionRecord[] {
    return [...this.ordered];
  }

  private apply(event: LedgerEvent): void {
    switch (event.type) {
      case 'fund': {
        const account = this.account(event.address);
        this.accounts.set(event.address, {
          ...account,
          apt: account.apt + BigInt(event.apt),
          shelbyusd: account.shelbyusd + BigInt(event.shelbyusd),
        });
        return;
      }
      case 'transaction': {
        const txn = event.transaction;
        const account = this.account(txn.sender);
        this.accounts.set(txn.sender, {
          ...account,
          sequenceNumber: txn.sequenceNumber + 1,
          apt: account.apt - BigInt(txn.fee),
          shelbyusd: account.shelbyusd - BigInt(txn.storageFee),
        });
        this.transactions.set(txn.hash, txn);
        this.ordered.push(txn);
        for (const blob of event.blobs) {
          const id = blobId(blob.owner, blob.name);
          // Re-registering an expired name replaces it; keep insertion order meaningful.
          this.blobs.delete(id);
          this.blobs.set(id, blob);
        }
        return;
      }
      case 'written': {
        const blob = this.blob(event.owner, event.name);
        if (blob && blob.creationMicros === event.creationMicros) {
          blob.isWritten = true;
          blob.writtenMicros = event.atMicros;
        }
        return;
      }
    }
  }

  private snapshot(): LedgerSnapshot {
    return {
      accounts: this.allAccounts().map((a) => ({
        address: a.address,
        sequenceNumber: a.sequenceNumber,
        apt: a.apt.toString(),
        shelbyusd: a.shelbyusd.toString(),
      })),
      blobs: this.allBlobs(),
      transactions: this.ordered,
    };
  }

  private restore(snapshot: LedgerSnapshot): void {
    for (const a of snapshot.accounts) {
      this.accounts.set(a.address, {
        address: a.address,
        sequenceNumber: a.sequenceNumber,
        apt: BigInt(a.apt),
        shelbyusd: BigInt(a.shelbyusd),
      });
    }
    for (const blob of snapshot.blobs) this.blobs.set(blobId(blob.owner, blob.name), blob);
    for (const txn of snapshot.transactions) {
      this.transactions.set(txn.hash, txn);
      this.ordered.push(txn);
    }
  }
}
