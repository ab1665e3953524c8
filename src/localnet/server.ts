import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

import { BlobStore } from './blob-store';
import type { LocalnetContext } from './context';
import { homeFaultFile, readFaultRulesFile, type FaultRule } from './fault-rules';
import { FaultInjector, type FaultsView } from './faults';
import { dispatch, type LocalnetInterceptor, type Route } from './http';
import { indexerRoutes } from './indexer';
import { Ledger } from './ledger';
import { acquireLock } from './lock';
import { Mempool } from './mempool';
import { resolvePricing, type LocalnetPricing } from './pricing';
import { adminRoutes } from './routes-admin';
import { fullnodeRoutes } from './routes-fullnode';
import { rpcRoutes } from './routes-rpc';

export { SHELBY_DEPLOYER, SHELBYUSD_METADATA } from './constants';
export type { LocalnetPricing } from './pricing';
export type { LocalnetInterceptor, LocalnetRequest, LocalnetResponse } from './http';
export type { FaultRule } from './fault-rules';
export type { FaultsView } from './faults';

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
  /** Wraps every request, inside the fault rules; for tests that need more than the rules. */
  interceptor?: LocalnetInterceptor;
  /** Fault rules in force from the start (docs/faults.md); they take precedence over `faultsFile`. */
  faults?: FaultRule[];
  /**
   * A YAML or JSON fault rule file. Without it or `faults`, a `faults.yaml`, `faults.yml` or
   * `faults.json` in `home` is used when present, so a background localnet can be given rules.
   */
  faultsFile?: string;
  /** Clock in microseconds since the epoch (default: the system clock). */
  nowMicros?: () => number;
}

/** A running localnet. */
export interface Localnet {
  /** Base URL, `http://host:port`; see the module comment for the paths under it. */
  url: string;
  port: number;
  /** The fault rules in force: replace them (validated; throws a FaultRulesError) or read them. */
  faults: {
    set(rules: unknown): void;
    view(): FaultsView;
  };
  /** Stops listening, waits for requests in flight and closes the ledger. */
  close(): Promise<void>;
}

/** The fault rules to start with, and where they came from. */
function initialFaults(
  options: LocalnetOptions,
  routeNames: readonly string[],
): { rules: unknown; source: string } | undefined {
  if (options.faults) return { rules: options.faults, source: 'options' };
  const file = options.faultsFile ?? homeFaultFile(options.home);
  if (!file) return undefined;
  return { rules: readFaultRulesFile(file, routeNames), source: path.resolve(file) };
}

/** The fault rules outermost, then the caller's interceptor, then the handler. */
function chain(faults: FaultInjector, inner: LocalnetInterceptor | undefined): LocalnetInterceptor {
  if (!inner) return faults.interceptor;
  return (request, next) =>
    faults.interceptor(request, async () => {
      // `undefined` means the inner interceptor dealt with the connection; nothing is sent.
      return (await inner(request, next)) ?? { status: 500 };
    });
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
  const mempool = new Mempool();
  try {
    ledger = Ledger.open(path.join(options.home, 'ledger'));
    const blobs = new BlobStore(options.home);
    blobs.removeStaleUploads(STALE_UPLOAD_MS);
    const routeNames: string[] = [];
    const faults = new FaultInjector(routeNames);
    const context: LocalnetContext = {
      ledger,
      blobs,
      pricing,
      mempool,
      faults,
      nowMicros: options.nowMicros ?? (() => Date.now() * 1000),
    };
    const routes: Route[] = [
      ...fullnodeRoutes(context),
      ...indexerRoutes(context),
      ...rpcRoutes(context),
      ...adminRoutes(context),
    ];
    routeNames.push(...routes.map((route) => route.name));
    const initial = initialFaults(options, routeNames);
    if (initial) faults.set(initial.rules, initial.source);
    const interceptor = chain(faults, options.interceptor);
    const server = http.createServer((incoming, outgoing) => {
      void dispatch(routes, interceptor, incoming, outgoing);
    });
    const port = await listen(server, host, options.port);
    const opened = ledger;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${urlHost(host)}:${port}`,
      port,
      faults: {
        set: (rules) => {
          faults.set(rules, 'options');
        },
        view: () => faults.view(),
      },
      close: () => {
        closing ??= (async () => {
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          const grace = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
          await closed;
          clearTimeout(grace);
          mempool.close();
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
