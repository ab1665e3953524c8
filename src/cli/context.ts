import type { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config/load';
import { KeyStore, resolveSecret } from '../config/keys';
import type { Config } from '../config/schema';
import { ensureLocalnet, localnetStatus } from '../localnet/daemon';
import type { ShelbyEndpoints } from '../shelby/client';
import { connectClient, ensureTemporal, type TemporalSettings } from '../temporal/connection';
import { ensureSearchAttributes } from '../temporal/register-search-attributes';
import { CliError, EXIT } from './errors';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What every command works with: the config, a Temporal client and the Shelby endpoints. */
export interface CliContext {
  config: Config;
  settings: TemporalSettings;
  client: Client;
  endpoints: ShelbyEndpoints;
  /** The Web UI, when the CLI started the dev server or knows where it is. */
  uiUrl?: string;
  close(): Promise<void>;
}

/** Options for {@link openContext}. */
export interface OpenContextOptions {
  config?: string;
  /** Start the dev server and the localnet when nothing answers (the embedded default). */
  autoStart: boolean;
  /**
   * Resolve and check every account's key first (the command runs a worker, which needs them);
   * default: the same as `autoStart`, since the commands that start services are the ones that
   * then work on batches.
   */
  requireKeys?: boolean;
}

/** Loads the config only; no service is touched. */
export function readConfig(configPath?: string): Config {
  const config = loadConfig({ path: configPath });
  checkStateDir(config.stateDir);
  return config;
}

/** A state folder that exists must be a writable folder; one that does not is created later. */
function checkStateDir(dir: string): void {
  const where = `the state folder ${dir} ($SHELBY_BATCH_HOME, default ./.shelby-batch)`;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    throw new CliError(`${where} cannot be used (${code ?? (error as Error).message})`);
  }
  if (!stat.isDirectory()) throw new CliError(`${where} is not a folder`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new CliError(`${where} is not writable`);
  }
}

/** Temporal connection settings from the config, with the API key resolved. */
export function temporalSettings(config: Config): TemporalSettings {
  const configDir = path.dirname(config.path);
  return {
    address: config.temporal.address,
    namespace: config.temporal.namespace,
    tls: config.temporal.tls,
    apiKey: config.temporal.apiKey ? resolveSecret(config.temporal.apiKey, configDir) : undefined,
  };
}

/**
 * Shelby endpoints from the config, for a command about to talk to the network: the localnet is
 * started first when `autoStart` is set, and must already answer otherwise.
 *
 * @throws CliError (exit code 4) when the localnet is not started and does not answer
 */
export async function shelbyEndpoints(
  config: Config,
  autoStart: boolean,
): Promise<ShelbyEndpoints> {
  const endpoints = await resolveEndpoints(config, autoStart);
  if (endpoints.name === 'local' && !autoStart) {
    const { healthy } = await localnetStatus(config.stateDir, config.network.localnet.port);
    if (!healthy) {
      throw new CliError(
        `the localnet does not answer at ${endpoints.localnetUrl}: start it with ` +
          '`shelby-batch localnet start`, or fix network.localnet.port in ' +
          config.path,
        EXIT.UNREACHABLE,
      );
    }
  }
  return endpoints;
}

// The endpoints, starting the localnet when asked but never probing it: commands that only talk
// to Temporal (status, pause) work while the localnet is down.
async function resolveEndpoints(config: Config, autoStart: boolean): Promise<ShelbyEndpoints> {
  const network = config.network;
  if (network.name === 'local') {
    const port = network.localnet.port;
    if (autoStart) {
      const fund = config.accounts
        .filter((a) => a.balance)
        .map((a) => ({ address: a.address, apt: a.balance!.apt, shelbyusd: a.balance!.shelbyusd }));
      const { url } = await ensureLocalnet({
        stateDir: config.stateDir,
        port,
        pricing: network.localnet.pricing,
        fund,
      });
      return { name: 'local', localnetUrl: url };
    }
    return { name: 'local', localnetUrl: `http://127.0.0.1:${port}` };
  }
  return {
    name: network.name,
    fullnode: network.fullnode,
    indexer: network.indexer,
    rpc: network.rpc,
    apiKey: network.apiKey ? resolveSecret(network.apiKey, path.dirname(config.path)) : undefined,
  };
}

/**
 * Loads the config, makes sure Temporal answers (starting the embedded dev server when allowed)
 * and connects. Everything that can be wrong in the config (secret references, keys that do not
 * match their address) is checked before any service is started or any batch exists, so a bad
 * config leaves nothing behind.
 */
export async function openContext(options: OpenContextOptions): Promise<CliContext> {
  const config = readConfig(options.config);
  const settings = temporalSettings(config);
  if (options.requireKeys ?? options.autoStart) KeyStore.fromConfig(config);
  // A remote network's endpoints (and API key) resolve without starting anything; the localnet
  // is started only once Temporal is known to answer.
  const remote =
    config.network.name === 'local' ? undefined : await resolveEndpoints(config, false);
  const { uiUrl } = await ensureTemporal(settings, config.stateDir, {
    autoStart: options.autoStart,
  });
  const endpoints = remote ?? (await resolveEndpoints(config, options.autoStart));
  const client = await connectClient(settings);
  await ensureSearchAttributes(client.connection as Connection, settings.namespace);
  return {
    config,
    settings,
    client,
    endpoints,
    uiUrl,
    close: () => client.connection.close(),
  };
}
