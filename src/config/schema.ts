import { z } from 'zod';

import { STRATEGIES, type StrategyName } from '../accounts/types';
import { validatePrefix } from '../planning/names';
import { parseExpirySpec } from './duration';

/** Shelby networks the product can talk to. `local` is the project's own loopback network. */
export const NETWORK_NAMES = ['local', 'shelbynet', 'testnet', 'custom'] as const;

/** Which Shelby network to use. */
export type NetworkName = (typeof NETWORK_NAMES)[number];

/** Prices the localnet charges, mirroring how the real network bills (gas in APT, storage in ShelbyUSD). */
export interface LocalnetPricing {
  /** Octas per gas unit. */
  gasUnitPrice: number;
  /** Gas units per executed transaction. */
  gasPerTransaction: number;
  /** Extra gas units per blob registered. */
  gasPerBlob: number;
  /** ShelbyUSD base units per blob registered. */
  storagePerBlob: number;
  /** ShelbyUSD base units per started MiB of blob size. */
  storagePerMiB: number;
}

/** Settings for the project's local Shelby network (used when `network.name` is `local`). */
export interface LocalnetConfig {
  /** Loopback port the localnet listens on. */
  port: number;
  pricing: LocalnetPricing;
}

/** Where the Shelby network is. */
export interface NetworkConfig {
  name: NetworkName;
  localnet: LocalnetConfig;
  /** Aptos fullnode URL (required for `custom`, an override otherwise; unused for `local`). */
  fullnode?: string;
  /** Shelby indexer GraphQL URL (an override; unused for `local`). */
  indexer?: string;
  /** Shelby RPC base URL (required for `custom`, an override otherwise; unused for `local`). */
  rpc?: string;
  /** API key reference (`env:NAME`, `file:PATH` or inline), not resolved. */
  apiKey?: string;
}

/** TLS settings for a remote Temporal cluster; paths are absolute. `{}` means TLS with system roots. */
export interface TemporalTlsConfig {
  serverName?: string;
  serverRootCACertificatePath?: string;
  clientCertPath?: string;
  clientKeyPath?: string;
}

/** Where Temporal is. */
export interface TemporalConfig {
  /** host:port of the Temporal frontend. */
  address: string;
  namespace: string;
  taskQueue: string;
  /** Present when TLS is on. */
  tls?: TemporalTlsConfig;
  /** API key reference (`env:NAME`, `file:PATH` or inline), not resolved. */
  apiKey?: string;
}

/** Defaults for uploads, each overridable on the command line. */
export interface UploadConfig {
  /** Prepended to every blob name; may be empty. */
  prefix: string;
  /** A duration from the upload (`30d`) or an ISO date; see `resolveExpiry`. */
  expiresIn: string;
  strategy: StrategyName;
}

/** Limits shared by every batch a worker runs. */
export interface GlobalLimits {
  /** Data uploads in flight at once. */
  max_parallel_uploads: number;
  /** Attempts after the first before a file is reported failed. */
  max_retries: number;
}

/** Starting balances, in base units, credited by the localnet the first time it sees the account. */
export interface AccountBalance {
  /** Octas (1 APT = 10^8). */
  apt: number;
  /** ShelbyUSD base units. */
  shelbyusd: number;
}

/** One paying account. */
export interface AccountConfig {
  /** Short, stable id used everywhere else (workflow state, reports, `--accounts`). */
  id: string;
  /** Human-readable label. */
  name: string;
  /** Aptos address, lowercase `0x` followed by 64 hex digits. */
  address: string;
  /** Private key reference (`env:NAME`, `file:PATH` or inline); resolved only by the KeyStore. */
  privateKey: string;
  /** Relative share for the `weighted-random` strategy. */
  weight: number;
  balance?: AccountBalance;
}

/** The configuration file's content, with every default filled in. */
export interface ConfigFile {
  network: NetworkConfig;
  temporal: TemporalConfig;
  upload: UploadConfig;
  global_limits: GlobalLimits;
  accounts: AccountConfig[];
}

/** A loaded configuration. */
export interface Config extends ConfigFile {
  /** Absolute path of the file it was read from. */
  path: string;
  /** Absolute path of the state folder (manifests, dev server and localnet data). */
  stateDir: string;
}

/** Fields whose values are secrets: error messages never quote them. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(['privateKey', 'apiKey']);

// Field schemas. Every message says what is expected; the loader appends what it got.

const count = (what: string) =>
  z
    .number({ error: `expected ${what}` })
    .int({ error: `expected ${what}` })
    .min(0, { error: `expected ${what}` })
    .max(Number.MAX_SAFE_INTEGER, { error: `expected ${what} below 2^53` });

const positiveInt = (what: string) =>
  z
    .number({ error: `expected ${what}` })
    .int({ error: `expected ${what}` })
    .min(1, { error: `expected ${what}` });

const text = (what: string) =>
  z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });

const url = z.url({ error: 'expected an http(s) URL', protocol: /^https?$/ });

const secretRef = text('a secret reference: env:NAME, file:PATH or the value itself');

const pricingSchema = z
  .strictObject({
    gasUnitPrice: count('a whole number of octas per gas unit').default(100),
    gasPerTransaction: count('a whole number of gas units').default(500),
    gasPerBlob: count('a whole number of gas units').default(50),
    storagePerBlob: count('a whole number of ShelbyUSD base units').default(1000),
    storagePerMiB: count('a whole number of ShelbyUSD base units').default(10000),
  })
  .prefault({});

const localnetSchema = z
  .strictObject({
    port: positiveInt('a TCP port from 1 to 65535')
      .max(65535, { error: 'expected a TCP port from 1 to 65535' })
      .default(9470),
    pricing: pricingSchema,
  })
  .prefault({});

const networkSchema = z
  .strictObject({
    name: z
      .enum(NETWORK_NAMES, { error: `expected one of ${NETWORK_NAMES.join(', ')}` })
      .default('local'),
    localnet: localnetSchema,
    fullnode: url.optional(),
    indexer: url.optional(),
    rpc: url.optional(),
    apiKey: secretRef.optional(),
  })
  .superRefine((network, ctx) => {
    if (network.name !== 'custom') return;
    for (const field of ['fullnode', 'rpc'] as const) {
      if (network[field] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: 'expected an http(s) URL: a custom network needs fullnode and rpc',
        });
      }
    }
  })
  .prefault({});

const tlsObjectSchema = z
  .strictObject(
    {
      serverName: text('a host name').optional(),
      serverRootCACertificatePath: text('a file path').optional(),
      clientCertPath: text('a file path').optional(),
      clientKeyPath: text('a file path').optional(),
    },
    { error: 'expected true, false or a mapping of TLS settings' },
  )
  .superRefine((tls, ctx) => {
    if ((tls.clientCertPath === undefined) !== (tls.clientKeyPath === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [tls.clientCertPath === undefined ? 'clientCertPath' : 'clientKeyPath'],
        message: 'expected clientCertPath and clientKeyPath together (mutual TLS needs both)',
      });
    }
  });

// `tls: true` turns TLS on with the system's roots; `tls: false` is the same as leaving it out.
const tlsSchema = z.preprocess(
  (value) => (value === true ? {} : value === false || value === null ? undefined : value),
  tlsObjectSchema.optional(),
);

const temporalSchema = z
  .strictObject({
    address: z
      .string({ error: 'expected host:port' })
      .regex(/^[^\s:/]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/, { error: 'expected host:port' })
      .default('127.0.0.1:7233'),
    namespace: text('a namespace name').default('default'),
    taskQueue: text('a task queue name').default('shelby-batch'),
    tls: tlsSchema,
    apiKey: secretRef.optional(),
  })
  .prefault({});

const uploadSchema = z
  .strictObject({
    prefix: z
      .string({ error: 'expected a string (use "" for no prefix)' })
      .superRefine((prefix, ctx) => {
        const check = validatePrefix(prefix);
        if (!check.ok) ctx.addIssue({ code: 'custom', message: check.reason });
      })
      .default(''),
    expiresIn: z
      .string({ error: 'expected a duration such as 30d or an ISO date such as 2030-01-31' })
      .superRefine((value, ctx) => {
        try {
          parseExpirySpec(value);
        } catch {
          ctx.addIssue({
            code: 'custom',
            message: 'expected a duration such as 30d, 12h, 90m or 45s, or an ISO date',
          });
        }
      })
      .default('30d'),
    strategy: z
      .enum(STRATEGIES as [StrategyName, ...StrategyName[]], {
        error: `expected one of ${STRATEGIES.join(', ')}`,
      })
      .default('round-robin'),
  })
  .prefault({});

const limitsSchema = z
  .strictObject({
    max_parallel_uploads: positiveInt('a whole number of at least 1').default(8),
    max_retries: count('a whole number of at least 0').default(5),
  })
  .prefault({});

const accountSchema = z.strictObject({
  id: z.string({ error: 'expected an id' }).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, {
    error: 'expected an id of letters, digits, "_", "." or "-" (at most 64, no commas)',
  }),
  name: text('a label').optional(),
  address: z
    .string({ error: 'expected an address: 0x followed by 64 hex digits' })
    .regex(/^(0x)?[0-9a-fA-F]{64}$/, {
      error: 'expected an address: 0x followed by 64 hex digits',
    })
    .transform((address) => `0x${address.replace(/^0x/, '').toLowerCase()}`),
  privateKey: secretRef,
  weight: z
    .number({ error: 'expected a positive number' })
    .positive({ error: 'expected a positive number' })
    .max(1e9, { error: 'expected a positive number up to 1e9' })
    .default(1),
  balance: z
    .strictObject({
      apt: count('a whole number of octas').default(0),
      shelbyusd: count('a whole number of ShelbyUSD base units').default(0),
    })
    .optional(),
});

/** The zod schema of the configuration file, defaults included. */
export const configFileSchema = z
  .strictObject({
    network: networkSchema,
    temporal: temporalSchema,
    upload: uploadSchema,
    global_limits: limitsSchema,
    accounts: z
      .array(accountSchema, { error: 'expected a list of accounts' })
      .min(1, { error: 'expected at least one account' }),
  })
  .superRefine((file, ctx) => {
    const seenIds = new Map<string, number>();
    const seenAddresses = new Map<string, number>();
    file.accounts.forEach((account, index) => {
      const sameId = seenIds.get(account.id);
      if (sameId !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', index, 'id'],
          message: `expected a unique id, but "${account.id}" is also accounts[${sameId}].id`,
        });
      } else seenIds.set(account.id, index);
      const sameAddress = seenAddresses.get(account.address);
      if (sameAddress !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', index, 'address'],
          message: `expected a unique address, but it is also accounts[${sameAddress}].address`,
        });
      } else seenAddresses.set(account.address, index);
    });
  });

/** Applies the last defaults that depend on other fields. */
export function finishConfigFile(parsed: z.output<typeof configFileSchema>): ConfigFile {
  return {
    ...parsed,
    accounts: parsed.accounts.map((account) => ({ ...account, name: account.name ?? account.id })),
  };
}
