import type { TransactionRecord } from './ledger';

/** Rendering of committed transactions in the Aptos REST shapes the SDK parses. */

const ZERO_HASH = `0x${'0'.repeat(64)}`;

/** What a transaction shows before it is executed. */
export type PendingTransactionFields = Pick<
  TransactionRecord,
  | 'hash'
  | 'sender'
  | 'sequenceNumber'
  | 'maxGasAmount'
  | 'gasUnitPrice'
  | 'expirationTimestampSecs'
  | 'function'
  | 'typeArguments'
  | 'arguments'
  | 'signature'
>;

function userFields(txn: PendingTransactionFields) {
  return {
    hash: txn.hash,
    sender: txn.sender,
    sequence_number: String(txn.sequenceNumber),
    max_gas_amount: txn.maxGasAmount,
    gas_unit_price: txn.gasUnitPrice,
    expiration_timestamp_secs: txn.expirationTimestampSecs,
    payload: {
      type: 'entry_function_payload',
      function: txn.function,
      type_arguments: txn.typeArguments,
      arguments: txn.arguments,
    },
    signature: txn.signature,
  };
}

/** The `202` answer to a submission (Aptos answers with the pending form), and `by_hash` before it lands. */
export function pendingTransactionJson(txn: PendingTransactionFields) {
  return { type: 'pending_transaction', ...userFields(txn) };
}

/** A committed user transaction, as `by_hash` and `wait_by_hash` return it. */
export function committedTransactionJson(txn: TransactionRecord) {
  return {
    type: 'user_transaction',
    version: String(txn.version),
    ...userFields(txn),
    state_change_hash: ZERO_HASH,
    event_root_hash: ZERO_HASH,
    state_checkpoint_hash: null,
    gas_used: txn.gasUsed,
    success: txn.success,
    vm_status: txn.vmStatus,
    accumulator_root_hash: ZERO_HASH,
    changes: [],
    events: [],
    timestamp: String(txn.timestampMicros),
  };
}
