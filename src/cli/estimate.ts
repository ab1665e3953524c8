import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pLimit from 'p-limit';
import { selectAccount, type StrategyName, type StrategyState } from '../accounts/select';
import { groupFileLimit, takeGroup } from '../batch/grouping';
import type { FileRef } from '../batch/types';
import type { Config } from '../config/schema';
import { readManifestPage, type ManifestSummary } from '../manifest/manifest';
import { planBatch } from '../planning/plan';
import { readBalances, type Balances } from '../shelby/balances';
import { retryRead } from '../shelby/read-retry';
import { blobsHeldBy } from '../shelby/held-elsewhere';
import { createShelbyClient, type ShelbyClient, type ShelbyEndpoints } from '../shelby/client';
import { gasCost, maxFee, networkPricing, storageCost, type Pricing } from '../shelby/pricing';

/** Files whose names are looked up on chain before estimating; larger batches assume all new. */
const CHAIN_CHECK_LIMIT = 10_000;
const CHUNKSET_BYTES = 10 * 1024 * 1024;
/** Clay (16, 10): every 10 MiB chunkset becomes 16 chunks of 1 MiB. */
const ENCODED_PER_CHUNKSET = 16 * 1024 * 1024;

/** What one account would pay for a batch. */
export interface AccountEstimate {
  id: string;
  address: string;
  files: number;
  bytes: number;
  encodedBytes: number;
  /** Files whose blob is already registered under this account: nothing to pay. */
  alreadyRegistered: number;
  transactions: number;
  storage: string;
  gas: string;
  balance: Balances;
  enough: boolean;
}

/** What a whole batch would cost, per account and in total. */
export interface BatchEstimate {
  plan: ManifestSummary;
  strategy: StrategyName;
  pricing?: Pricing;
  accounts: AccountEstimate[];
  total: { files: number; bytes: number; transactions: number; storage: string; gas: string };
  /** The pool as a whole holds enough ShelbyUSD and APT. */
  payable: boolean;
  /** Whether names were looked up on chain (small batches) or assumed new. */
  checkedChain: boolean;
  notes: string[];
}

export interface EstimateRequest {
  sources: string[];
  prefix: string;
  strategy: StrategyName;
  accountIds: string[];
  followSymlinks: boolean;
  /** The batch's id, so weighted-random splits exactly as the workflow will. */
  batchId?: string;
  /** Plan into this folder and keep it (the batch's manifest, reused by its planning step). */
  manifestDir?: string;
}

/**
 * Plans the sources in a temporary folder and prices the batch under the chosen strategy, with
 * the same grouping and account choice the workflow makes, without paying anything.
 */
export async function estimateBatch(
  config: Config,
  endpoints: ShelbyEndpoints,
  request: EstimateRequest,
): Promise<BatchEstimate> {
  const scratch =
    request.manifestDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'shelby-batch-estimate-'));
  try {
    const plan = await planBatch({
      sources: request.sources,
      prefix: request.prefix,
      manifestDir: scratch,
      followSymlinks: request.followSymlinks,
    });
    const shelby = await createShelbyClient(endpoints);
    const pricing = await networkPricing(
      endpoints,
      config.network.name === 'local' ? config.network.localnet.pricing : undefined,
    );
    const accounts = config.accounts.filter((a) => request.accountIds.includes(a.id));
    const balances = new Map<string, Balances>();
    for (const a of accounts) {
      balances.set(a.id, await retryRead(() => readBalances(shelby, a.address)));
    }
    const checkedChain = plan.uploadable <= CHAIN_CHECK_LIMIT;
    const allAddresses = config.accounts.map((a) => a.address);
    const perAccount = new Map<string, AccountEstimate>(
      accounts.map((a) => [
        a.id,
        {
          id: a.id,
          address: a.address,
          files: 0,
          bytes: 0,
          encodedBytes: 0,
          alreadyRegistered: 0,
          transactions: 0,
          storage: '0',
          gas: '0',
          balance: balances.get(a.id)!,
          enough: true,
        },
      ]),
    );
    const spendable = new Map([...balances].map(([id, b]) => [id, b.shelbyusd]));
    let strategyState: StrategyState = { cursor: 0 };
    const limit = pLimit(16);
    const groupFiles = groupFileLimit(plan.uploadable, accounts.length);
    /**
     * Octas beyond the fees an account must hold for its largest registration: a node accepts a
     * transaction only from a sender that can cover its maximum fee.
     */
    const feeHeadroom = new Map<string, bigint>();

    for (let page = 0; page < plan.pages; page++) {
      const entries = (await readManifestPage(scratch, page)).filter((e) => !e.skip);
      const names = new Map(entries.map((e) => [e.index, e.name]));
      const queue: FileRef[] = entries.map((e) => ({ index: e.index, size: e.size }));
      while (queue.length > 0) {
        const group = takeGroup(queue, groupFiles);
        const views = accounts.map((a) => ({
          id: a.id,
          weight: a.weight,
          inFlight: 0,
          shelbyusd: spendable.get(a.id),
          apt: balances.get(a.id)!.apt,
          available: true,
        }));
        const choice = selectAccount(
          request.strategy,
          views,
          strategyState,
          `${request.batchId ?? 'estimate'}:${group[0].index}`,
        );
        if (!choice) throw new Error('no account to estimate with');
        strategyState = choice.state;
        const account = perAccount.get(choice.accountId)!;
        const fresh = checkedChain
          ? await onlyNew(shelby, account.address, group, names, limit, allAddresses)
          : group;
        account.files += group.length;
        account.alreadyRegistered += group.length - fresh.length;
        for (const f of group) {
          account.bytes += f.size;
          account.encodedBytes +=
            Math.max(1, Math.ceil(f.size / CHUNKSET_BYTES)) * ENCODED_PER_CHUNKSET;
        }
        if (fresh.length > 0 && pricing) {
          account.transactions++;
          const storage = fresh.reduce((sum, f) => sum + storageCost(pricing, f.size), 0n);
          account.storage = String(BigInt(account.storage) + storage);
          account.gas = String(BigInt(account.gas) + gasCost(pricing, fresh.length));
          const headroom = maxFee(pricing, fresh.length) - gasCost(pricing, fresh.length);
          if (headroom > (feeHeadroom.get(account.id) ?? 0n)) {
            feeHeadroom.set(account.id, headroom);
          }
          spendable.set(account.id, String(BigInt(spendable.get(account.id)!) - storage));
        } else if (fresh.length > 0) {
          account.transactions++;
        }
      }
    }

    const list = [...perAccount.values()];
    // An account pays its fees and must hold its largest maximum fee (a node refuses a sender
    // short of it).
    const aptNeed = (a: AccountEstimate): bigint => BigInt(a.gas) + (feeHeadroom.get(a.id) ?? 0n);
    for (const a of list) {
      a.enough =
        BigInt(a.balance.shelbyusd) >= BigInt(a.storage) && BigInt(a.balance.apt) >= aptNeed(a);
    }
    const sum = (pick: (a: AccountEstimate) => bigint): bigint =>
      list.reduce((s, a) => s + pick(a), 0n);
    const total = {
      files: list.reduce((s, a) => s + a.files, 0),
      bytes: list.reduce((s, a) => s + a.bytes, 0),
      transactions: list.reduce((s, a) => s + a.transactions, 0),
      storage: String(sum((a) => BigInt(a.storage))),
      gas: String(sum((a) => BigInt(a.gas))),
    };
    // What a short account cannot pay, the others must cover from what they hold beyond their
    // own share.
    const short = list.filter((a) => !a.enough);
    const covering = list.filter((a) => a.enough);
    const payable =
      sum((a) => BigInt(a.balance.shelbyusd)) >= BigInt(total.storage) &&
      covering.reduce((s, a) => s + BigInt(a.balance.shelbyusd) - BigInt(a.storage), 0n) >=
        short.reduce((s, a) => s + BigInt(a.storage), 0n) &&
      covering.reduce((s, a) => s + BigInt(a.balance.apt) - aptNeed(a), 0n) >=
        short.reduce((s, a) => s + aptNeed(a), 0n);
    const notes: string[] = [];
    if (!pricing)
      notes.push(
        'this network publishes no prices: costs are unknown, only files and transactions are counted',
      );
    if (!checkedChain)
      notes.push(
        `more than ${CHAIN_CHECK_LIMIT} files: every name is assumed new (an upper bound)`,
      );
    if (request.strategy === 'weighted-random' && !request.batchId) {
      notes.push(
        'weighted-random draws from the batch id, so the real split between accounts differs; totals do not',
      );
    }
    if (request.strategy === 'least-loaded') {
      notes.push(
        'least-loaded follows uploads in flight, so the split between accounts may differ; totals do not',
      );
    }
    if (list.some((a) => !a.enough) && payable) {
      notes.push(
        'an account short of funds is taken out of the pool during the upload and its files go to the others',
      );
    }
    return {
      plan,
      strategy: request.strategy,
      pricing,
      accounts: list,
      total,
      payable,
      checkedChain,
      notes,
    };
  } finally {
    if (!request.manifestDir) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function onlyNew(
  shelby: ShelbyClient,
  address: string,
  group: FileRef[],
  names: Map<number, string>,
  limit: ReturnType<typeof pLimit>,
  others: string[],
): Promise<FileRef[]> {
  const found = await Promise.all(
    group.map((f) =>
      limit(() =>
        retryRead(() =>
          shelby.coordination.getBlobMetadata({ account: address, name: names.get(f.index)! }),
        ),
      ),
    ),
  );
  const fresh = group.filter((_, i) => !found[i]);
  // The upload does not pay again for a file another configured account already holds.
  const elsewhere = others.filter((other) => other.toLowerCase() !== address.toLowerCase());
  const held = await blobsHeldBy(
    shelby,
    elsewhere,
    fresh.map((f) => names.get(f.index)!),
    retryRead,
  );
  return fresh.filter((f) => !held.has(names.get(f.index)!));
}

/** A readable table of an estimate. */
export function formatEstimate(estimate: BatchEstimate): string {
  const lines: string[] = [];
  const p = estimate.plan;
  lines.push(
    `plan: ${p.files} files, ${p.uploadable} to upload (${(p.bytes / 1e6).toFixed(2)} MB), ${p.skipped - p.unstorable} skipped${p.unstorable ? `, ${p.unstorable} cannot be stored (unreadable, or a name that is invalid or taken by another file; they count as failed)` : ''}; strategy ${estimate.strategy}`,
  );
  lines.push('');
  lines.push(
    'account      files   new  MB        encoded MB  txns  ShelbyUSD cost  / balance       APT gas (octas) / balance',
  );
  for (const a of estimate.accounts) {
    lines.push(
      [
        a.id.padEnd(12),
        String(a.files).padStart(5),
        String(a.files - a.alreadyRegistered).padStart(5),
        (a.bytes / 1e6).toFixed(2).padStart(9),
        (a.encodedBytes / 1e6).toFixed(1).padStart(11),
        String(a.transactions).padStart(5),
        a.storage.padStart(15),
        ('/ ' + a.balance.shelbyusd).padEnd(16),
        a.gas.padStart(15),
        '/ ' + a.balance.apt,
        a.enough ? '' : '  SHORT',
      ].join(' '),
    );
  }
  const t = estimate.total;
  lines.push('');
  lines.push(
    `total: ${t.files} files, ${(t.bytes / 1e6).toFixed(2)} MB, ${t.transactions} transactions, ${t.storage} ShelbyUSD, ${t.gas} octas of gas — ${estimate.payable ? 'the pool can pay' : 'THE POOL CANNOT PAY'}`,
  );
  for (const note of estimate.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}
