import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

import { BlobStore } from './blob-store';
import type { LocalnetContext } from './context';
import { dispatch, type LocalnetInterceptor, type Route } from './http';
import { indexerRoutes } from './indexer';
import { Ledger } from './ledger';
import { acquireLock } from './lock';
import { resolvePricing, type LocalnetPricing } from './pricing';
import { adminRoutes } from './routes-admin';
import { fullnodeRoutes } from './routes-fullnode';
import { rpcRoutes } from './routes-rpc';

export { SHELBY_DEPLOYER, SHELBYUSD_METADATA } from './constants';
export type { LocalnetPricing } from './pricing';
export type { LocalnetInterceptor, LocalnetRequest, LocalnetResponse } from './http';

/**
 * The localnet: one loopback HTTP server answering as an Aptos fullnode (`/v1`), the Shelby
 * indexer (`/shelby-indexer/v1/graphql`), a Shelby RPC node (`/shelby/v1`) and an admin API
 * (`/localnet`), over a ledger and blob files kept under `home`.
 */

/** How to start a localnet. */
export interface LocalnetOptions {
  /** State folder: ledger journal, blob bytes and upload parts. Created when missing. */
  home: string;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Prices; unset ones take the defaults. */
  pricing?: Partial<LocalnetPricing>;
  /** Wraps every request; the hook for fault injection. */
  interceptor?: LocalnetInterceptor;
  /** Clock in microseconds since the epoch (default: the system clock). */
  nowMicros?: () => number;
}

/** A running localnet. */
export interface Localnet {
  /** Base URL, `http://host:port`; see the module comment for the paths under it. */
  url: string;
  port: number;
  /** Stops listening, waits for requests in flight and closes the ledger. */
  close(): Promise<void>;
}

/** Uploads left incomplete this long are abandoned; their parts are deleted at the next start. */
const STALE_UPLOAD_MS = 24 * 60 * 60 * 1000;

/** How long `close` lets requests in flight finish before cutting their connections. */
const CLOSE_GRACE_MS = 5000;

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

async function listen(server: http.Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `Port ${port} on ${host} is already in use; stop what uses it or pick another localnet port.`,
            )
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Starts a localnet over the state in `options.home`. */
export async function startLocalnet(options: LocalnetOptions): Promise<Localnet> {
  const host = options.host ?? '127.0.0.1';
  const pricing = resolvePricing(options.pricing);
  fs.mkdirSync(options.home, { recursive: true });
  const releaseLock = acquireLock(path.join(options.home, 'localnet.lock'));
  let ledger: Ledger | undefined;
  try {
    ledger = Ledger.open(path.join(options.home, 'ledger'));
    const blobs = new BlobStore(options.home);
    blobs.removeStaleUploads(STALE_UPLOAD_MS);
    const context: LocalnetContext = {
      ledger,
      blobs,
      pricing,
      nowMicros: options.nowMicros ?? (() => Date.now() * 1000),
    };
    const routes: Route[] = [
      ...fullnodeRoutes(context),
      ...indexerRoutes(context),
      ...rpcRoutes(context),
      ...adminRoutes(context),
    ];
    const server = http.createServer((incoming, outgoing) => {
      void dispatch(routes, options.interceptor, incoming, outgoing);
    });
    const port = await listen(server, host, options.port);
    const opened = ledger;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${urlHost(host)}:${port}`,
      port,
      close: () => {
        closing ??= (async () => {
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          const grace = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
          await closed;
          clearTimeout(grace);
          opened.close();
          releaseLock();
        })();
        return closing;
      },
    };
  } catch (error) {
    ledger?.close();
    releaseLock();
    throw error;
  }
}
