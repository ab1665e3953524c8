import type { BlobStore } from './blob-store';
import type { Ledger } from './ledger';
import type { LocalnetPricing } from './pricing';

/** What every route of one localnet shares. */
export interface LocalnetContext {
  ledger: Ledger;
  blobs: BlobStore;
  pricing: LocalnetPricing;
  /** Current time in microseconds since the Unix epoch. */
  nowMicros(): number;
}
