import { createHash } from 'node:crypto';

import {
  AccountAuthenticatorEd25519,
  AccountAuthenticatorSingleKey,
  AuthenticationKey,
  Deserializer,
  generateSigningMessageForTransaction,
  SignedTransaction,
  SimpleTransaction,
  TransactionAuthenticatorEd25519,
  TransactionAuthenticatorSingleSender,
  TransactionPayloadEntryFunction,
  type AccountPublicKey,
  type EntryFunction,
  type RawTransaction,
  type Signature,
} from '@aptos-labs/ts-sdk';

import { apiError, vmValidationError, type AptosErrorBody } from './aptos-errors';
import { findFunction } from './abi';
import {
  BLOB_MODULE,
  LOCALNET_CHAIN_ID,
  MAX_TRANSACTION_BYTES,
  SHELBY_DEPLOYER,
} from './constants';
import type { Ledger, TransactionRecord } from './ledger';
import type { PendingTransactionFields } from './transaction-json';
import { decodeMoveArguments, MoveArgumentError, type MoveJson } from './move-args';
import type { LocalnetPricing } from './pricing';
import { executeRegistration, type RegistrationOutcome } from './registration';

/**
 * Submission of a BCS signed transaction: the checks an Aptos node makes before accepting it
 * (size, chain id, signature, authentication key, expiry, sequence number, gas balance), then
 * execution and commit, at once or (with fault injection) later. Refusals leave no trace; an executed transaction, even an
 * aborted one, pays gas and uses up its sequence number, as on Aptos.
 */

/** Result of a submission: the committed transaction, or the refusal to answer with. */
export type SubmitResult =
  | { accepted: true; transaction: TransactionRecord }
  | { accepted: false; status: number; body: AptosErrorBody };

const TRANSACTION_PREFIX = createHash('sha3-256').update('APTOS::Transaction').digest();

/** Hash of a user transaction from its signed BCS bytes, as the Aptos SDK computes it. */
export function userTransactionHash(signedBytes: Uint8Array): string {
  const hash = createHash('sha3-256')
    .update(TRANSACTION_PREFIX)
    .update(Uint8Array.of(0))
    .update(signedBytes)
    .digest('hex');
  return `0x${hash}`;
}

/** The sender's key and signature, checked against the transaction. */
export interface SenderProof {
  publicKey: AccountPublicKey;
  signature: Signature;
  json: TransactionRecord['signature'];
}

/** The single sender's key and signature, or a refusal for authenticators the localnet lacks. */
function senderProof(signed: SignedTransaction): SenderProof | AptosErrorBody {
  const auth = signed.authenticator;
  if (auth instanceof TransactionAuthenticatorEd25519) {
    return {
      publicKey: auth.public_key,
      signature: auth.signature,
      json: {
        type: 'ed25519_signature',
        public_key: auth.public_key.toString(),
        signature: auth.signature.toString(),
      },
    };
  }
  if (auth instanceof TransactionAuthenticatorSingleSender) {
    const sender = auth.sender;
    if (
      sender instanceof AccountAuthenticatorEd25519 ||
      sender instanceof AccountAuthenticatorSingleKey
    ) {
      return {
        publicKey: sender.public_key,
        signature: sender.signature,
        json: {
          type: 'single_sender',
          public_key: sender.public_key.toString(),
          signature: sender.signature.toString(),
        },
      };
    }
  }
  return apiError(
    'invalid_input',
    'The localnet accepts only single-signer Ed25519 or single-key transactions; multi-agent and ' +
      'fee-payer transactions (such as sponsored registrations with usdSponsor) are not supported. ' +
      'Register without a sponsor.',
  );
}

function verifies(proof: SenderProof, raw: RawTransaction): boolean {
  try {
    const message = generateSigningMessageForTransaction(new SimpleTransaction(raw));
    return proof.publicKey.verifySignature({ message, signature: proof.signature });
  } catch {
    return false;
  }
}

function functionId(entry: EntryFunction): { long: string; display: string } {
  const address = entry.module_name.address;
  const tail = `${entry.module_name.name.identifier}::${entry.function_name.identifier}`;
  return { long: `${address.toStringLong()}::${tail}`, display: `${address.toString()}::${tail}` };
}

/** Executes the entry function; anything but a Shelby registration fails the transaction. */
function execute(
  entry: EntryFunction,
  raw: RawTransaction,
  ledger: Ledger,
  pricing: LocalnetPricing,
  context: { sender: string; nowMicros: number; hash: string; version: number },
): RegistrationOutcome & { arguments: MoveJson[] } {
  const moduleAddress = entry.module_name.address.toStringLong();
  const moduleName = entry.module_name.name.identifier;
  const fn = entry.function_name.identifier;
  const failed = (vmStatus: string, args: MoveJson[] = []) => ({
    success: false,
    vmStatus,
    gasUsed: BigInt(pricing.gasPerTransaction),
    storageFee: 0n,
    blobNames: [],
    blobs: [],
    arguments: args,
  });
  const abi = findFunction(moduleAddress, moduleName, fn);
  if (!abi || !abi.is_entry) {
    return failed(
      `FUNCTION_RESOLUTION_FAILURE: ${functionId(entry).display} is not an entry function on the localnet`,
    );
  }
  let args: MoveJson[];
  try {
    // Deserialized arguments are raw bytes whose BCS form carries no extra length prefix.
    args = decodeMoveArguments(
      entry.args.map((arg) => arg.bcsToBytes()),
      abi.params,
    );
  } catch (error) {
    if (error instanceof MoveArgumentError)
      return failed(`FAILED_TO_DESERIALIZE_ARGUMENT: ${error.message}`);
    throw error;
  }
  if (
    moduleAddress !== SHELBY_DEPLOYER ||
    moduleName !== BLOB_MODULE ||
    fn.endsWith('_with_sponsor')
  ) {
    return failed(
      `FUNCTION_RESOLUTION_FAILURE: ${functionId(entry).display} is not executable on the localnet`,
      args,
    );
  }
  const account = ledger.account(context.sender);
  const outcome = executeRegistration(args, fn === 'register_multiple_blobs', {
    sender: context.sender,
    shelbyusd: account.shelbyusd,
    nowMicros: context.nowMicros,
    findBlob: (owner, name) => ledger.blob(owner, name),
    pricing,
    maxGasAmount: raw.max_gas_amount,
    txHash: context.hash,
    version: context.version,
  });
  return { ...outcome, arguments: args };
}

/** A submission that passed every check a node makes before accepting it. */
export interface CheckedTransaction {
  hash: string;
  sender: string;
  sequenceNumber: number;
  raw: RawTransaction;
  entry: EntryFunction;
  proof: SenderProof;
}

/** Result of {@link checkTransaction}. */
export type CheckResult =
  | { accepted: true; checked: CheckedTransaction }
  | { accepted: false; status: number; body: AptosErrorBody };

function refuseCheck(status: number, body: AptosErrorBody): CheckResult {
  return { accepted: false, status, body };
}

/**
 * The checks an Aptos node makes before accepting a signed transaction, against the ledger as it
 * is now and the clock at `nowMicros`. Nothing is changed.
 */
export function checkTransaction(ledger: Ledger, body: Uint8Array, nowMicros: number): CheckResult {
  if (body.length > MAX_TRANSACTION_BYTES) {
    return refuseCheck(
      400,
      vmValidationError(
        'EXCEEDED_MAX_TRANSACTION_SIZE',
        `${body.length} bytes, the limit is ${MAX_TRANSACTION_BYTES}; register fewer blobs per transaction`,
      ),
    );
  }
  let signed: SignedTransaction;
  try {
    const deserializer = new Deserializer(body);
    signed = SignedTransaction.deserialize(deserializer);
    deserializer.assertFinished();
  } catch (error) {
    return refuseCheck(
      400,
      apiError(
        'invalid_input',
        `Failed to deserialize input into SignedTransaction: ${String(error)}`,
      ),
    );
  }
  const raw = signed.raw_txn;
  const proof = senderProof(signed);
  if (!('publicKey' in proof)) return refuseCheck(400, proof);
  if (!verifies(proof, raw)) return refuseCheck(400, vmValidationError('INVALID_SIGNATURE'));
  if (raw.chain_id.chainId !== LOCALNET_CHAIN_ID) {
    return refuseCheck(
      400,
      vmValidationError(
        'BAD_CHAIN_ID',
        `got ${raw.chain_id.chainId}, the localnet is chain ${LOCALNET_CHAIN_ID}`,
      ),
    );
  }
  const sender = raw.sender.toStringLong();
  const authKey = AuthenticationKey.fromPublicKey({ publicKey: proof.publicKey });
  if (authKey.derivedAddress().toStringLong() !== sender) {
    return refuseCheck(400, vmValidationError('INVALID_AUTH_KEY'));
  }
  if (raw.expiration_timestamp_secs * 1_000_000n <= BigInt(nowMicros)) {
    return refuseCheck(400, vmValidationError('TRANSACTION_EXPIRED'));
  }
  if (!(raw.payload instanceof TransactionPayloadEntryFunction)) {
    return refuseCheck(
      400,
      apiError(
        'invalid_input',
        'The localnet executes entry-function payloads with sequence numbers only (no scripts, multisig or orderless transactions)',
      ),
    );
  }
  const account = ledger.account(sender);
  const expected = BigInt(account.sequenceNumber);
  if (raw.sequence_number < expected) {
    return refuseCheck(
      400,
      vmValidationError(
        'SEQUENCE_NUMBER_TOO_OLD',
        `account is at ${expected}, got ${raw.sequence_number}`,
      ),
    );
  }
  if (raw.sequence_number > expected) {
    return refuseCheck(
      400,
      vmValidationError(
        'SEQUENCE_NUMBER_TOO_NEW',
        `account is at ${expected}, got ${raw.sequence_number}`,
      ),
    );
  }
  const maxFee = raw.max_gas_amount * raw.gas_unit_price;
  if (account.apt < maxFee) {
    return refuseCheck(
      400,
      vmValidationError(
        'INSUFFICIENT_BALANCE_FOR_TRANSACTION_FEE',
        `max fee ${maxFee} octas, balance ${account.apt}; fund the account with APT`,
      ),
    );
  }
  return {
    accepted: true,
    checked: {
      hash: userTransactionHash(body),
      sender,
      sequenceNumber: Number(raw.sequence_number),
      raw,
      entry: raw.payload.entryFunction,
      proof,
    },
  };
}

/** Executes a checked transaction at `nowMicros` and commits it to `ledger`. */
export function executeTransaction(
  ledger: Ledger,
  pricing: LocalnetPricing,
  checked: CheckedTransaction,
  nowMicros: number,
): TransactionRecord {
  const { raw, entry, sender, hash } = checked;
  const version = ledger.version + 1;
  const outcome = execute(entry, raw, ledger, pricing, { sender, nowMicros, hash, version });
  const transaction: TransactionRecord = {
    hash,
    version,
    sender,
    sequenceNumber: checked.sequenceNumber,
    success: outcome.success,
    vmStatus: outcome.vmStatus,
    gasUsed: outcome.gasUsed.toString(),
    gasUnitPrice: raw.gas_unit_price.toString(),
    maxGasAmount: raw.max_gas_amount.toString(),
    expirationTimestampSecs: raw.expiration_timestamp_secs.toString(),
    fee: (outcome.gasUsed * raw.gas_unit_price).toString(),
    storageFee: outcome.storageFee.toString(),
    function: functionId(entry).display,
    typeArguments: entry.type_args.map((t) => t.toString()),
    arguments: outcome.arguments,
    blobNames: outcome.blobNames,
    timestampMicros: nowMicros,
    signature: checked.proof.json,
  };
  ledger.commit({ type: 'transaction', transaction, blobs: outcome.blobs });
  return transaction;
}

/** The fields of a checked transaction that its pending form shows (arguments as far as decodable). */
export function pendingFields(checked: CheckedTransaction): PendingTransactionFields {
  const { raw, entry } = checked;
  let args: MoveJson[] = [];
  const abi = findFunction(
    entry.module_name.address.toStringLong(),
    entry.module_name.name.identifier,
    entry.function_name.identifier,
  );
  if (abi) {
    try {
      args = decodeMoveArguments(
        entry.args.map((arg) => arg.bcsToBytes()),
        abi.params,
      );
    } catch {
      // Undecodable arguments fail at execution; the pending form just shows none.
    }
  }
  return {
    hash: checked.hash,
    sender: checked.sender,
    sequenceNumber: checked.sequenceNumber,
    maxGasAmount: raw.max_gas_amount.toString(),
    gasUnitPrice: raw.gas_unit_price.toString(),
    expirationTimestampSecs: raw.expiration_timestamp_secs.toString(),
    function: functionId(entry).display,
    typeArguments: entry.type_args.map((t) => t.toString()),
    arguments: args,
    signature: checked.proof.json,
  };
}

/** Checks and executes a signed transaction, committing it to `ledger` when accepted. */
export function submitTransaction(
  ledger: Ledger,
  pricing: LocalnetPricing,
  body: Uint8Array,
  nowMicros: number,
): SubmitResult {
  const result = checkTransaction(ledger, body, nowMicros);
  if (!result.accepted) return result;
  return {
    accepted: true,
    transaction: executeTransaction(ledger, pricing, result.checked, nowMicros),
  };
}
