/**
 * Sorting Shelby and Aptos failures into what an upload should do next.
 *
 * The SDK throws plain Errors whose messages carry Move abort codes and HTTP statuses, so the
 * classification is by message, following the retry classes measured for SDK 0.1.0.
 */
export type ErrorClass =
  /** Retrying cannot help: the file fails with a readable reason. */
  | 'permanent'
  /** Network, 5xx, 429, sequence conflicts: retry with backoff. */
  | 'transient'
  /** The name is already registered: compare roots, then go on to the data. */
  | 'already-exists'
  /** The paying account lacks ShelbyUSD or APT: take it out of the pool. */
  | 'insufficient-funds'
  /** The request may have taken effect: check the chain before sending again. */
  | 'ambiguous';

export interface ClassifiedError {
  class: ErrorClass;
  /** Failure type shown in reports and used by retry policies. */
  type: string;
  message: string;
}

const PERMANENT_CODES = [
  'E_INVALID_ARGUMENT',
  'E_INVALID_EXPIRATION_TIME',
  'E_BLOB_NAME_TOO_LONG',
  'E_INVALID_CHUNKSET_COUNT',
  'E_TEST_ENCODING_NOT_ALLOWED',
  'E_INVALID_PAYMENT_EPOCHS',
  'E_NOT_BLOB_OWNER',
  'E_NOT_ADMIN',
  'E_BLOB_EXPIRED',
];

/** Removes long hex runs (signatures, payload bytes) so messages are safe to log and store. */
export function sanitizeMessage(message: string): string {
  return message.replace(/0x[0-9a-fA-F]{130,}/g, '0x…').slice(0, 2000);
}

/** Classifies an error thrown by the SDK, the Aptos client or `fetch`. */
export function classifyError(error: unknown): ClassifiedError {
  const raw = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const cause =
    error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  const message = sanitizeMessage(raw + cause);
  const has = (text: string): boolean => message.includes(text);

  if (has('EALREADY_EXISTS') || /already exists/i.test(message)) {
    return { class: 'already-exists', type: 'BlobAlreadyExists', message };
  }
  if (has('E_INSUFFICIENT_FUNDS') || has('INSUFFICIENT_BALANCE')) {
    return { class: 'insufficient-funds', type: 'InsufficientBalance', message };
  }
  const code = PERMANENT_CODES.find((c) => has(c));
  if (code) return { class: 'permanent', type: code, message };
  if (error instanceof Error && error.name === 'ZodError') {
    return { class: 'permanent', type: 'BlobNameInvalid', message };
  }
  if (/did not match|totalBytes/.test(message)) {
    return { class: 'permanent', type: 'SizeMismatch', message };
  }
  if (/timed out in pending state|wait_by_hash|ETIMEDOUT|timeout/i.test(message)) {
    return { class: 'ambiguous', type: 'Timeout', message };
  }
  if (has('SEQUENCE_NUMBER') || /mempool/i.test(message)) {
    return { class: 'transient', type: 'SequenceConflict', message };
  }
  const status = (/status(?: code)?[^0-9]{0,3}(\d{3})/i.exec(message) ??
    /\(code:\s*(\d{3})\)/i.exec(message))?.[1];
  if (status) {
    const n = Number(status);
    if (n === 404) return { class: 'transient', type: 'Http404', message };
    if (n === 429) return { class: 'transient', type: 'RateLimited', message };
    if (n >= 500) return { class: 'ambiguous', type: `Http${n}`, message };
    if (n >= 400 && n !== 404 && n !== 408)
      return { class: 'permanent', type: `Http${n}`, message };
  }
  return { class: 'transient', type: 'Transient', message };
}
