import { BLOB_MODULE, SHELBY_DEPLOYER } from './constants';

/**
 * Error shapes of the Aptos REST API and the Move VM, spelled the way real nodes spell them so
 * that the SDK's and the product's error matching behaves the same against the localnet.
 */

/** VM validation status codes (aptos-core `StatusCode`) that the localnet can answer. */
export const VM_STATUS = {
  INVALID_SIGNATURE: 1,
  INVALID_AUTH_KEY: 2,
  SEQUENCE_NUMBER_TOO_OLD: 3,
  SEQUENCE_NUMBER_TOO_NEW: 4,
  INSUFFICIENT_BALANCE_FOR_TRANSACTION_FEE: 5,
  TRANSACTION_EXPIRED: 6,
  EXCEEDED_MAX_TRANSACTION_SIZE: 10,
  BAD_CHAIN_ID: 23,
} as const;

/** Name of a VM validation status. */
export type VmStatusName = keyof typeof VM_STATUS;

/** Body of an Aptos API error response. */
export interface AptosErrorBody {
  message: string;
  error_code: string;
  vm_error_code: number | null;
}

/** The body Aptos sends when it refuses a transaction before execution. */
export function vmValidationError(status: VmStatusName, detail?: string): AptosErrorBody {
  return {
    message: `Invalid transaction: Type: Validation Code: ${status}${detail ? ` (${detail})` : ''}`,
    error_code: 'vm_error',
    vm_error_code: VM_STATUS[status],
  };
}

/** A non-VM API error, such as `invalid_input` or `transaction_not_found`. */
export function apiError(errorCode: string, message: string): AptosErrorBody {
  return { message, error_code: errorCode, vm_error_code: null };
}

/** Abort reasons of the `blob_metadata` module; the category sits in bits 16-23, as in Move. */
const BLOB_ABORTS = {
  E_INVALID_ARGUMENT: 0x10001,
  E_INVALID_EXPIRATION_TIME: 0x10002,
  E_INVALID_CHUNKSET_COUNT: 0x10003,
  E_BLOB_NAME_TOO_LONG: 0x10004,
  E_TEST_ENCODING_NOT_ALLOWED: 0x10005,
  E_INSUFFICIENT_FUNDS: 0x10006,
  E_SPONSORSHIP_NOT_SUPPORTED: 0xd0001,
  EALREADY_EXISTS: 0x80001,
} as const;

/** Name of a `blob_metadata` abort. */
export type BlobAbort = keyof typeof BLOB_ABORTS;

/** `vm_status` of a transaction aborted by `blob_metadata`, as Aptos formats a Move abort. */
export function blobAbortStatus(abort: BlobAbort, description: string): string {
  const code = BLOB_ABORTS[abort].toString(16);
  return `Move abort in ${SHELBY_DEPLOYER}::${BLOB_MODULE}: ${abort}(0x${code}): ${description}`;
}

/** `vm_status` of a successful transaction. */
export const EXECUTED = 'Executed successfully';
