import type { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config/load';
import { resolveSecret } from '../config/keys';
import type { Config } from '../config/schema';
import { ensureLocalnet } from '../localnet/daemon';
import type { ShelbyEndpoints } from '../shelby/client';
import { connectClient, ensureTemporal, type TemporalSettings } from '../temporal/connection';
import { ensureSearchAttributes } from '../temporal/register-search-attributes';
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
}

/** Loads the config only; no service is touched. */
export function readConfig(configPath?: string): Config {
  return loadConfig({ path: configPath });
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

/** Shelby endpoints from the config; the localnet is started first when asked. */
export async function shelbyEndpoints(
  config: Config,
  autoStart: boolean,
): Promise<ShelbyEndpoints> {
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
 * and connects. Fails before anything is started when the config is wrong.
 */
export async function openContext(options: OpenContextOptions): Promise<CliContext> {
  const config = readConfig(options.config);
  const settings = temporalSettings(config);
  const { uiUrl } = await ensureTemporal(settings, config.stateDir, {
    autoStart: options.autoStart,
  });
  const endpoints = await shelbyEndpoints(config, options.autoStart);
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
