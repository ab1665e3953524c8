import { Deserializer, EntryFunction } from '@aptos-labs/ts-sdk';

import { findFunction, findModule } from './abi';
import { normalizeAddress, parseBlobKey } from './addresses';
import { apiError } from './aptos-errors';
import {
  APT_METADATA,
  APTOS_COIN,
  BLOB_MODULE,
  CLAY_ENCODING_VARIANT,
  LOCALNET_CHAIN_ID,
  SHELBY_DEPLOYER,
  SHELBYUSD_METADATA,
} from './constants';
import type { LocalnetContext } from './context';
import { HttpError, json, readBody, readJson, type LocalnetRequest, type Route } from './http';
import type { BlobRecord } from './ledger';
import { decodeMoveArguments, MoveArgumentError, type MoveJson } from './move-args';
import { LOCALNET_SLICE_ADDRESS } from './registration';
import { committedTransactionJson, pendingTransactionJson } from './transaction-json';
import {
  checkTransaction,
  executeTransaction,
  pendingFields,
  userTransactionHash,
  type CheckedTransaction,
} from './transactions';

/**
 * The Aptos fullnode REST API (`/v1`), limited to what the Shelby and Aptos SDKs call while
 * uploading: ledger info, gas estimate, accounts, balances, module ABIs, views, transaction
 * submission and lookup.
 */

const BCS_SIGNED_TRANSACTION = 'application/x.aptos.signed_transaction+bcs';
const BCS_VIEW_FUNCTION = 'application/x.aptos.view_function+bcs';
const APT_METADATA_LONG = normalizeAddress(APT_METADATA);

function invalidInput(message: string): HttpError {
  return new HttpError(400, message, apiError('invalid_input', message));
}

function addressParam(request: LocalnetRequest, name = 'address'): string {
  const address = normalizeAddress(request.params[name]);
  if (address === undefined) {
    throw invalidInput(`Invalid account address: ${request.params[name]}`);
  }
  return address;
}

function contentType(request: LocalnetRequest): string {
  return (request.incoming.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/** Which balance an asset identifier (coin type or FA metadata address) designates. */
function assetKind(asset: string): 'apt' | 'shelbyusd' | undefined {
  const coin = /^(0x[0-9a-fA-F]+)::aptos_coin::AptosCoin$/.exec(asset);
  if (asset === APTOS_COIN || (coin && normalizeAddress(coin[1]) === normalizeAddress('0x1'))) {
    return 'apt';
  }
  const address = normalizeAddress(asset);
  if (address === APT_METADATA_LONG) return 'apt';
  if (address === SHELBYUSD_METADATA) return 'shelbyusd';
  return undefined;
}

function blobMetadataJson(blob: BlobRecord) {
  return {
    blob_commitment: blob.root,
    owner: blob.owner,
    blob_size: String(blob.size),
    num_chunksets: String(blob.numChunksets),
    encoding: { __variant__: CLAY_ENCODING_VARIANT },
    expiration_micros: String(blob.expirationMicros),
    creation_micros: String(blob.creationMicros),
    slice: { inner: LOCALNET_SLICE_ADDRESS },
    is_written: blob.isWritten,
  };
}

interface ViewCall {
  address: string;
  module: string;
  fn: string;
  typeArguments: string[];
  args: MoveJson[];
}

/** Parses a BCS or JSON view request into one shape. */
async function readViewCall(request: LocalnetRequest): Promise<ViewCall> {
  if (contentType(request) === BCS_VIEW_FUNCTION) {
    const body = await readBody(request.incoming, 64 * 1024);
    let entry: EntryFunction;
    try {
      const deserializer = new Deserializer(body);
      entry = EntryFunction.deserialize(deserializer);
      deserializer.assertFinished();
    } catch (error) {
      throw invalidInput(`Failed to deserialize view function: ${String(error)}`);
    }
    const address = entry.module_name.address.toStringLong();
    const module = entry.module_name.name.identifier;
    const fn = entry.function_name.identifier;
    const abi = findFunction(address, module, fn);
    if (!abi?.is_view)
      throw invalidInput(`FUNCTION_RESOLUTION_FAILURE: ${address}::${module}::${fn} is not a view`);
    try {
      const args = decodeMoveArguments(
        entry.args.map((arg) => arg.bcsToBytes()),
        abi.params,
      );
      return { address, module, fn, typeArguments: entry.type_args.map((t) => t.toString()), args };
    } catch (error) {
      if (error instanceof MoveArgumentError) throw invalidInput(error.message);
      throw error;
    }
  }
  const body = (await readJson(request.incoming)) as {
    function?: unknown;
    type_arguments?: unknown;
    arguments?: unknown;
  };
  const parts = typeof body.function === 'string' ? body.function.split('::') : [];
  const address = parts.length === 3 ? normalizeAddress(parts[0]) : undefined;
  if (address === undefined)
    throw invalidInput('View request needs "function": "<address>::<module>::<function>"');
  return {
    address,
    module: parts[1],
    fn: parts[2],
    typeArguments: Array.isArray(body.type_arguments) ? body.type_arguments.map(String) : [],
    args: Array.isArray(body.arguments) ? (body.arguments as MoveJson[]) : [],
  };
}

function runView(ctx: LocalnetContext, call: ViewCall): MoveJson[] {
  const id = `${call.module}::${call.fn}`;
  if (call.address === SHELBY_DEPLOYER && id === `${BLOB_MODULE}::get_blob_metadata`) {
    const key = parseBlobKey(String(call.args[0] ?? ''));
    const blob = key && ctx.ledger.blob(key.owner, key.name);
    return [{ vec: blob ? [blobMetadataJson(blob)] : [] }];
  }
  const isFramework = call.address === normalizeAddress('0x1');
  if (isFramework && id === 'primary_fungible_store::balance') {
    const owner = normalizeAddress(String(call.args[0] ?? ''));
    if (owner === undefined)
      throw invalidInput('primary_fungible_store::balance needs an owner address');
    const kind = assetKind(String(call.args[1] ?? ''));
    const account = ctx.ledger.account(owner);
    return [kind === undefined ? '0' : account[kind].toString()];
  }
  if (isFramework && id === 'coin::balance') {
    const owner = normalizeAddress(String(call.args[0] ?? ''));
    if (owner === undefined) throw invalidInput('coin::balance needs an owner address');
    const kind = assetKind(call.typeArguments[0] ?? '');
    return [kind === 'apt' ? ctx.ledger.account(owner).apt.toString() : '0'];
  }
  throw invalidInput(
    `FUNCTION_RESOLUTION_FAILURE: view ${call.address}::${id} is not available on the localnet`,
  );
}

function transactionByHash(ctx: LocalnetContext, request: LocalnetRequest) {
  const lower = request.params.hash.toLowerCase();
  const hash = lower.startsWith('0x') ? lower : `0x${lower}`;
  const txn = ctx.ledger.transaction(hash);
  if (!txn) {
    const held = ctx.mempool.get(hash);
    if (held) return json(200, held.json);
    return json(
      404,
      apiError(
        'transaction_not_found',
        `Transaction not found by Transaction hash(${request.params.hash})`,
      ),
    );
  }
  return json(200, committedTransactionJson(txn));
}

/**
 * Accepts a signed transaction: executes it at once, or holds it for `pendingMs` (the `pending`
 * fault). A held transaction is checked again when it lands, against the ledger of that moment
 * but the clock of its submission: it was accepted in time and only its execution was late. If
 * its sequence number was used meanwhile it never lands, as a node drops it from its mempool.
 */
function submit(ctx: LocalnetContext, body: Buffer, pendingMs: number | undefined) {
  const held = ctx.mempool.get(userTransactionHash(body));
  if (held) return json(202, held.json);
  const submittedMicros = ctx.nowMicros();
  const result = checkTransaction(ctx.ledger, body, submittedMicros);
  if (!result.accepted) return json(result.status, result.body);
  const { checked } = result;
  const rival = ctx.mempool.rival(checked.sender, checked.sequenceNumber, checked.hash);
  if (rival) {
    return json(
      400,
      apiError(
        'invalid_transaction_update',
        `Transaction already in mempool with a different payload: ${rival.hash} uses sequence number ${rival.sequenceNumber} of ${rival.sender}; wait for it to land or expire`,
      ),
    );
  }
  if (pendingMs === undefined) {
    const txn = executeTransaction(ctx.ledger, ctx.pricing, checked, submittedMicros);
    return json(202, pendingTransactionJson(txn));
  }
  const pending = pendingTransactionJson(pendingFields(checked));
  ctx.mempool.hold({ ...checked, json: pending }, pendingMs, () =>
    land(ctx, body, submittedMicros),
  );
  return json(202, pending);
}

function land(ctx: LocalnetContext, body: Buffer, submittedMicros: number): void {
  const again = checkTransaction(ctx.ledger, body, submittedMicros);
  if (!again.accepted) return;
  const checked: CheckedTransaction = again.checked;
  executeTransaction(ctx.ledger, ctx.pricing, checked, ctx.nowMicros());
}

/** Routes of the fullnode API under `/v1`. */
export function fullnodeRoutes(ctx: LocalnetContext): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/v1\/?$/,
      name: 'fullnode.ledgerInfo',
      handler: async () =>
        json(200, {
          chain_id: LOCALNET_CHAIN_ID,
          epoch: '1',
          ledger_version: String(ctx.ledger.version),
          oldest_ledger_version: '0',
          ledger_timestamp: String(ctx.nowMicros()),
          node_role: 'full_node',
          oldest_block_height: '0',
          block_height: String(ctx.ledger.version),
          git_hash: 'shelby-batch-localnet',
        }),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/-\/healthy$/,
      name: 'fullnode.healthy',
      handler: async () => json(200, { message: 'aptos-node:ok' }),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/estimate_gas_price$/,
      name: 'fullnode.estimateGasPrice',
      handler: async () =>
        json(200, {
          deprioritized_gas_estimate: ctx.pricing.gasUnitPrice,
          gas_estimate: ctx.pricing.gasUnitPrice,
          prioritized_gas_estimate: ctx.pricing.gasUnitPrice,
        }),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/accounts\/(?<address>[^/]+)$/,
      name: 'fullnode.account',
      handler: async (request) => {
        const address = addressParam(request);
        const account = ctx.ledger.account(address);
        return json(200, {
          sequence_number: String(account.sequenceNumber),
          authentication_key: address,
        });
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/accounts\/(?<address>[^/]+)\/module\/(?<module>[^/]+)$/,
      name: 'fullnode.module',
      handler: async (request) => {
        const address = addressParam(request);
        const module = findModule(address, request.params.module);
        if (!module) {
          return json(
            404,
            apiError(
              'module_not_found',
              `Module not found by Address(${address}), Module name(${request.params.module})`,
            ),
          );
        }
        return json(200, module);
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/accounts\/(?<address>[^/]+)\/balance\/(?<asset>[^/]+)$/,
      name: 'fullnode.balance',
      handler: async (request) => {
        const account = ctx.ledger.account(addressParam(request));
        const kind = assetKind(request.params.asset);
        const balance = kind === undefined ? 0n : account[kind];
        // A bare JSON number, written from the bigint so no digit is lost on the wire.
        return {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: Buffer.from(balance.toString()),
        };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/view$/,
      name: 'fullnode.view',
      handler: async (request) => json(200, runView(ctx, await readViewCall(request))),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/transactions$/,
      name: 'fullnode.submit',
      handler: async (request) => {
        if (contentType(request) !== BCS_SIGNED_TRANSACTION) {
          return json(
            415,
            apiError(
              'unsupported_media_type',
              `The localnet accepts only ${BCS_SIGNED_TRANSACTION} submissions`,
            ),
          );
        }
        const body = await readBody(request.incoming, 1024 * 1024);
        return submit(ctx, body, request.pendingMs);
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/transactions\/by_hash\/(?<hash>[^/]+)$/,
      name: 'fullnode.byHash',
      handler: async (request) => transactionByHash(ctx, request),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/transactions\/wait_by_hash\/(?<hash>[^/]+)$/,
      name: 'fullnode.waitByHash',
      // Transactions commit as they are submitted, so there is never anything to wait for.
      handler: async (request) => transactionByHash(ctx, request),
    },
  ];
}
