/** What the localnet charges, in the base units of each token. */
export interface LocalnetPricing {
  /** Octas per gas unit, answered by `/v1/estimate_gas_price` (default 100). */
  gasUnitPrice: number;
  /** Gas units charged per executed transaction (default 500). */
  gasPerTransaction: number;
  /** Extra gas units per blob registered (default 50). */
  gasPerBlob: number;
  /** ShelbyUSD base units per blob registered (default 1000). */
  storagePerBlob: number;
  /** ShelbyUSD base units per started MiB of blob size (default 10000; a 0-byte blob costs `storagePerBlob` only). */
  storagePerMiB: number;
}

/** Prices used when the caller sets none. */
export const DEFAULT_PRICING: Readonly<LocalnetPricing> = Object.freeze({
  gasUnitPrice: 100,
  gasPerTransaction: 500,
  gasPerBlob: 50,
  storagePerBlob: 1000,
  storagePerMiB: 10000,
});

const MIB = 1024 * 1024;

/** Fills unset prices with the defaults and refuses values that cannot be charged. */
export function resolvePricing(pricing: Partial<LocalnetPricing> = {}): LocalnetPricing {
  const resolved = { ...DEFAULT_PRICING, ...pricing };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(
        `Localnet pricing ${key} must be a non-negative integer, got ${String(value)}; fix the localnet pricing settings.`,
      );
    }
  }
  return resolved;
}

/** Gas units a transaction registering `blobCount` blobs uses. */
export function gasForBlobs(pricing: LocalnetPricing, blobCount: number): bigint {
  return BigInt(pricing.gasPerTransaction) + BigInt(pricing.gasPerBlob) * BigInt(blobCount);
}

/** ShelbyUSD base units that storing one blob of `size` bytes costs. */
export function storageCost(pricing: LocalnetPricing, size: number): bigint {
  const mebibytes = BigInt(Math.ceil(size / MIB));
  return BigInt(pricing.storagePerBlob) + BigInt(pricing.storagePerMiB) * mebibytes;
}
