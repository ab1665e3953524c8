import type { Client } from '@temporalio/client';
import type { KeyStore } from '../config/keys';
import type { CommitmentsEngine } from '../commitments/engine';
import type { ShelbyClient } from '../shelby/client';

/** What the activities need from the worker that runs them; tests hand in their own. */
export interface ActivityDeps {
  stateDir: string;
  /** Signing keys, resolved on the worker; never sent through Temporal. */
  keys: KeyStore;
  shelby: () => Promise<ShelbyClient>;
  commitments: () => Promise<CommitmentsEngine>;
  /** Temporal client for account leases. */
  client: Client;
  taskQueue: string;
}
