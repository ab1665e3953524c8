/**
 * The one error type the RPC upload client throws. Its class says what the caller does next:
 * `permanent`: fail the file with this reason; `transient`: retry later (the client already
 * retried what it could); `ambiguous`: the upload may have been completed, so read the blob's
 * metadata (`is_written`) before sending anything again.
 */

/** What the caller of an RPC upload should do about a failure. */
export type RpcUploadErrorClass = 'permanent' | 'transient' | 'ambiguous';

/** Failure types, for reports and retry policies. */
export type RpcUploadErrorType =
  | 'BlobNameInvalid'
  | 'SizeInvalid'
  | 'FileVanished'
  | 'FileUnreadable'
  | 'FileChanged'
  | 'BlobNotRegistered'
  | 'UploadRefused'
  | 'UploadLost'
  | 'RateLimited'
  | 'ServerError'
  | 'NetworkError'
  | 'BadResponse'
  | 'CompleteAmbiguous'
  | 'Aborted';

/** A failed RPC upload, with what to do about it. */
export class RpcUploadError extends Error {
  override readonly name = 'RpcUploadError';
  readonly class: RpcUploadErrorClass;
  readonly type: RpcUploadErrorType;
  /** HTTP status of the last answer, when there was one. */
  readonly status?: number;

  constructor(
    type: RpcUploadErrorType,
    errorClass: RpcUploadErrorClass,
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.type = type;
    this.class = errorClass;
    this.status = options.status;
  }
}
