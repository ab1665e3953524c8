import type { ShelbySdk } from './sdk';
import { loadShelbySdk } from './sdk';

/** How to reach a Shelby network; secrets are already resolved by the caller. */
export interface ShelbyEndpoints {
  name: string;
  /** Base URL of the project's localnet, for `local`. */
  localnetUrl?: string;
  fullnode?: string;
  indexer?: string;
  rpc?: string;
  apiKey?: string;
}

export type ShelbyClient = InstanceType<ShelbySdk['ShelbyNodeClient']>;

/** The localnet's URL layout, shared with `src/localnet`. */
export function localnetEndpoints(
  url: string,
): Required<Pick<ShelbyEndpoints, 'fullnode' | 'indexer' | 'rpc'>> {
  return {
    fullnode: `${url}/v1`,
    indexer: `${url}/shelby-indexer/v1/graphql`,
    rpc: `${url}/shelby`,
  };
}

/** A Shelby SDK client for the configured network. */
export async function createShelbyClient(endpoints: ShelbyEndpoints): Promise<ShelbyClient> {
  const sdk = await loadShelbySdk();
  const { Network } = await import('@aptos-labs/ts-sdk');
  if (endpoints.name === 'local') {
    if (!endpoints.localnetUrl) throw new Error('the local network needs the localnet URL');
    const urls = localnetEndpoints(endpoints.localnetUrl);
    return new sdk.ShelbyNodeClient({
      network: Network.LOCAL,
      aptos: { fullnode: urls.fullnode, indexer: `${urls.fullnode}/graphql` },
      indexer: { baseUrl: urls.indexer },
      rpc: { baseUrl: urls.rpc },
    });
  }
  const network =
    endpoints.name === 'custom' ? Network.CUSTOM : (endpoints.name as typeof Network.SHELBYNET);
  return new sdk.ShelbyNodeClient({
    // CUSTOM is accepted at run time although the SDK's type lists only LOCAL and SHELBYNET.
    network: network as typeof Network.SHELBYNET,
    apiKey: endpoints.apiKey,
    ...(endpoints.fullnode ? { aptos: { fullnode: endpoints.fullnode } } : {}),
    ...(endpoints.indexer ? { indexer: { baseUrl: endpoints.indexer } } : {}),
    ...(endpoints.rpc ? { rpc: { baseUrl: endpoints.rpc } } : {}),
  });
}

/** The account type the Shelby SDK's declarations expect (its ts-sdk types are the ES module ones). */
export type SdkAccount = Parameters<ShelbyClient['coordination']['registerBlob']>[0]['account'];

/** The same ts-sdk account object, typed as the SDK expects; only the declarations differ. */
export function asSdkAccount(account: import('@aptos-labs/ts-sdk').Account): SdkAccount {
  return account as unknown as SdkAccount;
}
