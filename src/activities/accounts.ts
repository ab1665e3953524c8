import type { AccountState } from '../batch/types';
import { readAccountLoad } from '../accounts/load';
import { readBalances } from '../shelby/balances';
import type { ActivityDeps } from './deps';

/**
 * Balances and load of the batch's accounts, read from the chain and the state folder. Runs as an
 * activity so the strategies see live state while replays see the recorded answer.
 */
export function createCheckAccounts(deps: ActivityDeps) {
  return async function checkAccounts(input: { accountIds: string[] }): Promise<AccountState> {
    const shelby = await deps.shelby();
    const load = readAccountLoad(deps.stateDir);
    const accounts = await Promise.all(
      input.accountIds.map(async (id) => {
        const address = deps.keys.signer(id).accountAddress.toStringLong();
        const balances = await readBalances(shelby, address);
        return { id, ...balances, load: load.get(address) ?? 0 };
      }),
    );
    return { accounts, pricing: await deps.pricing() };
  };
}
