import type { Client } from '@temporalio/client';
import type { KeyStore } from '../config/keys';
import type { CommitmentsEngine } from '../commitments/engine';
import type { ShelbyClient } from '../shelby/client';
import type { Pricing } from '../shelby/pricing';
import type { AccountLoad } from '../accounts/load';

/** What the activities need from the worker that runs them; tests hand in their own. */
export interface ActivityDeps {
  stateDir: string;
  /** Signing keys, resolved on the worker; never sent through Temporal. */
  keys: KeyStore;
  shelby: () => Promise<ShelbyClient>;
  commitments: () => Promise<CommitmentsEngine>;
  /** The network's prices when known (the localnet's), for checks before paying. */
  pricing: () => Promise<Pricing | undefined>;
  /** This process's uploads in flight per account, seen by least-loaded in every batch. */
  load: AccountLoad;
  /** Temporal client for account leases. */
  client: Client;
  taskQueue: string;
}
