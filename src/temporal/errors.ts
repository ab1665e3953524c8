/**
 * Errors raised while finding, starting or reaching Temporal. Each `name` is a stable type a
 * caller can branch on; each message ends with what the user can do about it.
 */

/** No usable `temporal` CLI binary was found. */
export class TemporalBinaryNotFoundError extends Error {
  override readonly name = 'TemporalBinaryNotFound';

  constructor(detail: string, installHint: string) {
    super(`${detail} ${installHint}`);
  }
}

/** A configured Temporal address could not be parsed. */
export class TemporalAddressInvalidError extends Error {
  override readonly name = 'TemporalAddressInvalid';

  constructor(readonly address: string) {
    super(
      `Temporal address "${address}" is not host:port (for example 127.0.0.1:7233 or ` +
        `my-ns.a1b2c.tmprl.cloud:7233); fix temporal.address in the config.`,
    );
  }
}

/** Nothing answers at the configured Temporal address and no dev server may be started there. */
export class TemporalUnreachableError extends Error {
  override readonly name = 'TemporalUnreachable';

  constructor(
    readonly address: string,
    reason: string,
  ) {
    super(`No Temporal server answers at ${address}; ${reason}`);
  }
}

/** The background dev server did not come up. */
export class DevServerStartFailedError extends Error {
  override readonly name = 'DevServerStartFailed';

  constructor(
    message: string,
    readonly logPath: string,
  ) {
    super(message);
  }
}

/** A search attribute exists on the server with a different type than the one we need. */
export class SearchAttributeConflictError extends Error {
  override readonly name = 'SearchAttributeConflict';

  constructor(
    readonly attribute: string,
    readonly wanted: string,
    readonly found: string,
    readonly namespace: string,
  ) {
    super(
      `Search attribute ${attribute} exists in namespace ${namespace} as ${found}, but shelby-batch ` +
        `needs ${wanted}; remove it (temporal operator search-attribute remove --name ${attribute}) ` +
        'or use another namespace.',
    );
  }
}

/** TLS settings name a file that cannot be read. */
export class TemporalTlsConfigError extends Error {
  override readonly name = 'TemporalTlsConfig';
}
