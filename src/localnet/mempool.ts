/**
 * Transactions accepted but not yet executed. The localnet normally executes a transaction as it
 * is submitted; the `pending` fault holds one here instead, so `by_hash` answers
 * `pending_transaction` until it lands. Like a node's mempool, this lives in memory only: a
 * restart drops what it holds, and those transactions never land.
 */

/** A transaction waiting to land. */
export interface HeldTransaction {
  hash: string;
  sender: string;
  sequenceNumber: number;
  /** Its pending form, answered by `by_hash` and to a resubmission of the same bytes. */
  json: unknown;
}

/** The held transactions of one localnet. */
export class Mempool {
  private readonly held = new Map<string, HeldTransaction & { timer: NodeJS.Timeout }>();

  /** Holds `txn` and calls `land` after `ms` (unless the localnet closes first). */
  hold(txn: HeldTransaction, ms: number, land: () => void): void {
    const timer = setTimeout(() => {
      this.held.delete(txn.hash);
      land();
    }, ms);
    this.held.set(txn.hash, { ...txn, timer });
  }

  /** The held transaction with `hash`. */
  get(hash: string): HeldTransaction | undefined {
    return this.held.get(hash);
  }

  /** A held transaction of `sender` with `sequenceNumber` and another hash, if any. */
  rival(sender: string, sequenceNumber: number, hash: string): HeldTransaction | undefined {
    for (const txn of this.held.values()) {
      if (txn.sender === sender && txn.sequenceNumber === sequenceNumber && txn.hash !== hash) {
        return txn;
      }
    }
    return undefined;
  }

  /** Drops every held transaction. */
  close(): void {
    for (const txn of this.held.values()) clearTimeout(txn.timer);
    this.held.clear();
  }
}
