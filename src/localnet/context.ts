import type { BlobStore } from './blob-store';
import type { FaultInjector } from './faults';
import type { Ledger } from './ledger';
import type { Mempool } from './mempool';
import type { LocalnetPricing } from './pricing';

/** What every route of one localnet shares. */
export interface LocalnetContext {
  ledger: Ledger;
  blobs: BlobStore;
  pricing: LocalnetPricing;
  /** Transactions accepted but held back by the `pending` fault. */
  mempool: Mempool;
  /** The fault rules in force, changed through the admin API. */
  faults: FaultInjector;
  /** Current time in microseconds since the Unix epoch. */
  nowMicros(): number;
}
