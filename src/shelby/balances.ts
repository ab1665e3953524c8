import type { ShelbyClient } from './client';

/** The ShelbyUSD fungible asset's metadata address (from the Shelby SDK's constants). */
export const SHELBYUSD_METADATA =
  '0x1b18363a9f1fe5e6ebf247daba5cc1c18052bb232efdc4c50f556053922d98e1';

/** Balances in base units, as decimal strings (they can exceed 2^53). */
export interface Balances {
  apt: string;
  shelbyusd: string;
}

/**
 * Reads an account's APT (gas) and ShelbyUSD (storage) balances through JSON views, which answer
 * with exact decimal strings, unlike the balance endpoint's bare JSON number.
 */
export async function readBalances(shelby: ShelbyClient, address: string): Promise<Balances> {
  const [apt] = await shelby.aptos.viewJson<[string]>({
    payload: {
      function: '0x1::coin::balance' as const,
      typeArguments: ['0x1::aptos_coin::AptosCoin'],
      functionArguments: [address],
    },
  });
  const [shelbyusd] = await shelby.aptos.viewJson<[string]>({
    payload: {
      function: '0x1::primary_fungible_store::balance' as const,
      typeArguments: ['0x1::fungible_asset::Metadata'],
      functionArguments: [address, SHELBYUSD_METADATA],
    },
  });
  return { apt: String(apt), shelbyusd: String(shelbyusd) };
}
