import { blobKey, normalizeAddress } from './addresses';
import { LOCALNET_CHAIN_ID } from './constants';
import type { LocalnetContext } from './context';
import { FaultRulesError } from './fault-rules';
import { json, readJson, type LocalnetRequest, type Route } from './http';
import type { AccountRecord, BlobRecord, TransactionRecord } from './ledger';

/**
 * Admin endpoints under `/localnet`, for the CLI and tests: health, funding, the ledger's
 * accounts, transactions and blobs, the prices, and the fault rules (docs/faults.md). They are
 * not part of any Shelby API, and fault rules never apply to them.
 * Token amounts are decimal strings of base units (they can exceed 2^53); counts and sizes are
 * numbers.
 */

/** An account in `GET /localnet/accounts` and the answer to `POST /localnet/fund`. */
export interface LocalnetAccountView {
  address: string;
  sequenceNumber: number;
  /** Octas. */
  apt: string;
  /** ShelbyUSD base units. */
  shelbyusd: string;
}

/** A transaction in `GET /localnet/transactions`. */
export interface LocalnetTransactionView {
  hash: string;
  version: number;
  sender: string;
  sequenceNumber: number;
  success: boolean;
  vmStatus: string;
  function: string;
  gasUsed: string;
  /** Octas paid for gas. */
  fee: string;
  /** ShelbyUSD base units paid for storage. */
  storageFee: string;
  /** Blob names registered, or attempted when the transaction aborted. */
  blobNames: string[];
  timestampMicros: number;
}

/** A blob in `GET /localnet/blobs`. */
export interface LocalnetBlobView {
  owner: string;
  name: string;
  /** On-chain key, `@<64 hex>/<name>`. */
  key: string;
  size: number;
  /** Merkle root, `0x` hex. */
  root: string;
  numChunksets: number;
  isWritten: boolean;
  txHash: string;
  creationMicros: number;
  expirationMicros: number;
}

function accountView(account: AccountRecord): LocalnetAccountView {
  return {
    address: account.address,
    sequenceNumber: account.sequenceNumber,
    apt: account.apt.toString(),
    shelbyusd: account.shelbyusd.toString(),
  };
}

function transactionView(txn: TransactionRecord): LocalnetTransactionView {
  return {
    hash: txn.hash,
    version: txn.version,
    sender: txn.sender,
    sequenceNumber: txn.sequenceNumber,
    success: txn.success,
    vmStatus: txn.vmStatus,
    function: txn.function,
    gasUsed: txn.gasUsed,
    fee: txn.fee,
    storageFee: txn.storageFee,
    blobNames: txn.blobNames,
    timestampMicros: txn.timestampMicros,
  };
}

function blobView(blob: BlobRecord): LocalnetBlobView {
  return {
    owner: blob.owner,
    name: blob.name,
    key: blobKey(blob.owner, blob.name),
    size: blob.size,
    root: blob.root,
    numChunksets: blob.numChunksets,
    isWritten: blob.isWritten,
    txHash: blob.txHash,
    creationMicros: blob.creationMicros,
    expirationMicros: blob.expirationMicros,
  };
}

/** A non-negative whole amount given as a JSON number or decimal string, or undefined. */
function amount(value: unknown): bigint | undefined {
  if (value === undefined || value === null) return 0n;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  return undefined;
}

/** Address filter from `?name=`, or a 400 response when it is not an address. */
function addressFilter(request: LocalnetRequest, name: string): string | undefined | null {
  const raw = request.query.get(name);
  if (raw === null || raw === '') return undefined;
  return normalizeAddress(raw) ?? null;
}

/** Routes of the admin API under `/localnet`. */
export function adminRoutes(ctx: LocalnetContext): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/localnet\/health$/,
      name: 'admin.health',
      handler: async () => json(200, { ok: true, chainId: LOCALNET_CHAIN_ID }),
    },
    {
      method: 'POST',
      pattern: /^\/localnet\/fund$/,
      name: 'admin.fund',
      handler: async (request) => {
        const body = (await readJson(request.incoming)) as Record<string, unknown>;
        const address = normalizeAddress(String(body.address ?? ''));
        const apt = amount(body.apt);
        const shelbyusd = amount(body.shelbyusd);
        if (address === undefined || apt === undefined || shelbyusd === undefined) {
          return json(400, {
            error: 'bad_request',
            message:
              'Body needs address and whole, non-negative apt and shelbyusd amounts in base units',
          });
        }
        const funded = !(body.onlyIfNew === true && ctx.ledger.isKnown(address));
        if (funded) {
          ctx.ledger.commit({
            type: 'fund',
            address,
            apt: apt.toString(),
            shelbyusd: shelbyusd.toString(),
            atMicros: ctx.nowMicros(),
          });
        }
        return json(200, { funded, account: accountView(ctx.ledger.account(address)) });
      },
    },
    {
      method: 'GET',
      pattern: /^\/localnet\/accounts$/,
      name: 'admin.accounts',
      handler: async () => json(200, { accounts: ctx.ledger.allAccounts().map(accountView) }),
    },
    {
      method: 'GET',
      pattern: /^\/localnet\/transactions$/,
      name: 'admin.transactions',
      handler: async (request) => {
        const sender = addressFilter(request, 'sender');
        if (sender === null)
          return json(400, { error: 'bad_request', message: 'sender is not an address' });
        const txns = ctx.ledger
          .allTransactions()
          .filter((t) => sender === undefined || t.sender === sender);
        return json(200, { transactions: txns.map(transactionView) });
      },
    },
    {
      method: 'GET',
      pattern: /^\/localnet\/blobs$/,
      name: 'admin.blobs',
      handler: async (request) => {
        const owner = addressFilter(request, 'owner');
        if (owner === null)
          return json(400, { error: 'bad_request', message: 'owner is not an address' });
        const blobs = ctx.ledger.allBlobs().filter((b) => owner === undefined || b.owner === owner);
        return json(200, { blobs: blobs.map(blobView) });
      },
    },
    {
      method: 'GET',
      pattern: /^\/localnet\/pricing$/,
      name: 'admin.pricing',
      handler: async () => json(200, ctx.pricing),
    },
    {
      method: 'GET',
      pattern: /^\/localnet\/faults$/,
      name: 'admin.faults',
      handler: async () => json(200, ctx.faults.view()),
    },
    {
      method: 'POST',
      pattern: /^\/localnet\/faults$/,
      name: 'admin.setFaults',
      handler: async (request) => {
        const body = await readJson(request.incoming);
        try {
          ctx.faults.set(body, 'admin');
        } catch (error) {
          if (!(error instanceof FaultRulesError)) throw error;
          return json(400, { error: 'bad_request', message: error.message });
        }
        return json(200, ctx.faults.view());
      },
    },
  ];
}
