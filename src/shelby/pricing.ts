import type { ShelbyEndpoints } from './client';

import { gasForBlobs, storageCost, type LocalnetPricing } from '../localnet/pricing';

/** What registering blobs costs, in base units. Only the localnet publishes prices so far. */
export type Pricing = LocalnetPricing;
export { storageCost };

/** Octas of gas a transaction registering `blobs` blobs costs. */
export function gasCost(pricing: Pricing, blobs: number): bigint {
  return gasForBlobs(pricing, blobs) * BigInt(pricing.gasUnitPrice);
}

/**
 * Gas units a registration of `blobs` blobs may use at most: twice its price, so the account needs
 * to hold little more than the fee (a node refuses a transaction whose sender cannot cover the
 * maximum fee, which the SDK otherwise sets to 200,000 units).
 */
export function maxGasAmount(pricing: Pricing, blobs: number): bigint {
  return gasForBlobs(pricing, blobs) * 2n;
}

/** Octas an account must hold to send a registration of `blobs` blobs: its maximum fee. */
export function maxFee(pricing: Pricing, blobs: number): bigint {
  return maxGasAmount(pricing, blobs) * BigInt(pricing.gasUnitPrice);
}

/**
 * The price list, read from the network where it can be read (the localnet publishes its own),
 * else the configured one; undefined when neither is known (the real networks publish none yet).
 */
export async function networkPricing(
  endpoints: ShelbyEndpoints,
  configured?: Pricing,
): Promise<Pricing | undefined> {
  if (endpoints.localnetUrl) {
    try {
      const response = await fetch(`${endpoints.localnetUrl}/localnet/pricing`, {
        signal: AbortSignal.timeout(5000),
      });
      if (response.ok) return (await response.json()) as Pricing;
    } catch {
      // An older localnet without the endpoint: fall back to the configured prices.
    }
  }
  return configured;
}
