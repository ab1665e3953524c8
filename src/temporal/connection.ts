/**
 * How the CLI and workers reach Temporal: the embedded dev server on loopback by default, or a
 * real cluster (docker compose, self-hosted, Temporal Cloud) with TLS and an API key.
 */
import * as fs from 'node:fs';

import { Client, Connection } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

import { isLoopbackHost, parseHostPort } from './address';
import { ensureDevNamespace, recordedUiUrl, startDevServer } from './dev-server';
import { TemporalTlsConfigError, TemporalUnreachableError } from './errors';
import { isTemporalReachable } from './probe';

export { isTemporalReachable } from './probe';

/** Where Temporal is and how to authenticate, as read from the config. */
export interface TemporalSettings {
  /** `host:port` of the frontend, for example `127.0.0.1:7233` or `ns.acct.tmprl.cloud:7233`. */
  address: string;
  namespace: string;
  /**
   * `true` for TLS with the system's trusted roots (Temporal Cloud with an API key), or file
   * paths for a private CA and mTLS client certificates.
   */
  tls?:
    | boolean
    | {
        serverName?: string;
        serverRootCACertificatePath?: string;
        clientCertPath?: string;
        clientKeyPath?: string;
      };
  /** Temporal Cloud API key, already resolved from `env:`/`file:` references. */
  apiKey?: string;
}

/** What {@link ensureTemporal} did. */
export interface EnsureTemporalResult {
  /** A dev server was started by this call. */
  started: boolean;
  /** Web UI of the dev server from this state folder, when that is what answers. */
  uiUrl?: string;
}

/**
 * Makes sure a Temporal server answers at `settings.address`. When none does, `autoStart` is
 * set and the address is this machine's loopback without TLS, starts the embedded dev server
 * under `<stateDir>/temporal/`; otherwise says what to do.
 * @throws {@link TemporalUnreachableError}
 */
export async function ensureTemporal(
  settings: TemporalSettings,
  stateDir: string,
  options: { autoStart: boolean },
): Promise<EnsureTemporalResult> {
  if (await isTemporalReachable(settings.address)) {
    const uiUrl = recordedUiUrl(stateDir, settings.address);
    // Our own dev server may predate a namespace named in the config since.
    if (uiUrl) await ensureDevNamespace(settings.address, settings.namespace);
    return { started: false, uiUrl };
  }
  const refusal = autoStartRefusal(settings, options.autoStart);
  if (refusal) throw new TemporalUnreachableError(settings.address, refusal);

  const server = await startDevServer({
    stateDir,
    address: settings.address,
    namespace: settings.namespace,
  });
  return { started: !server.alreadyRunning, uiUrl: server.uiUrl };
}

/**
 * Why no dev server may be started for these settings (as advice to the user), or undefined
 * when starting one is fine: only without TLS, on this machine's loopback, and when allowed.
 */
export function autoStartRefusal(
  settings: TemporalSettings,
  autoStart: boolean,
): string | undefined {
  if (!autoStart) {
    return 'start it (`shelby-batch server start` runs a local dev server) or fix temporal.address.';
  }
  if (!isLoopbackHost(parseHostPort(settings.address).host)) {
    return (
      'a dev server is only started automatically for a loopback address (127.0.0.1, localhost); ' +
      'check that the cluster is up and reachable from here, or fix temporal.address.'
    );
  }
  if (settings.tls || settings.apiKey) {
    return (
      'TLS or an API key is configured, which the local dev server does not serve; start your ' +
      'cluster, or remove temporal.tls and temporal.apiKey to use the embedded dev server.'
    );
  }
  return undefined;
}

/** Opens a client connection (for starting, querying and signalling workflows). */
export async function connectClient(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(settings));
  return new Client({ connection, namespace: settings.namespace });
}

/** Opens the native connection a worker polls through. */
export async function connectNative(settings: TemporalSettings): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(settings));
}

/** Connection options shared by client and worker connections. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

/**
 * Turns settings into SDK connection options, reading certificate files. An API key implies
 * TLS unless `tls: false` says otherwise, since Temporal Cloud refuses plaintext; it also sends
 * the `temporal-namespace` header Cloud uses to route API-key requests.
 * @throws {@link TemporalTlsConfigError} when a certificate file cannot be read, or only half of
 * a client certificate pair is given.
 */
export function connectionOptions(settings: TemporalSettings): TemporalConnectionOptions {
  const options: TemporalConnectionOptions = { address: settings.address };
  const tls = settings.tls ?? (settings.apiKey ? true : undefined);
  if (tls === true) options.tls = true;
  if (typeof tls === 'object') {
    const config: TLSConfig = {};
    if (tls.serverName) config.serverNameOverride = tls.serverName;
    if (tls.serverRootCACertificatePath) {
      config.serverRootCACertificate = readTlsFile(
        tls.serverRootCACertificatePath,
        'serverRootCACertificatePath',
      );
    }
    if (Boolean(tls.clientCertPath) !== Boolean(tls.clientKeyPath)) {
      throw new TemporalTlsConfigError(
        'temporal.tls needs both clientCertPath and clientKeyPath for mTLS, or neither.',
      );
    }
    if (tls.clientCertPath && tls.clientKeyPath) {
      config.clientCertPair = {
        crt: readTlsFile(tls.clientCertPath, 'clientCertPath'),
        key: readTlsFile(tls.clientKeyPath, 'clientKeyPath'),
      };
    }
    options.tls = config;
  }
  if (settings.apiKey) {
    options.apiKey = settings.apiKey;
    options.metadata = { 'temporal-namespace': settings.namespace };
  }
  return options;
}

function readTlsFile(file: string, field: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new TemporalTlsConfigError(
      `temporal.tls.${field} ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? err}); ` +
        'fix the path or its permissions.',
    );
  }
}
