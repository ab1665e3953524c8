import * as fs from 'node:fs';
import * as path from 'node:path';
import { STRATEGIES, type StrategyName } from '../accounts/select';
import type { BatchRequest } from '../batch/types';
import { MAX_EXPIRY_MS, MIN_EXPIRY_MS, parseDuration, resolveExpiry } from '../config/duration';
import type { Config } from '../config/schema';
import { validatePrefix } from '../planning/names';
import { CliError } from './errors';

/** The batch options shared by `upload`, `estimate` and `schedule`. */
export const batchArgs = {
  paths: { type: 'positional', description: 'Files or folders to upload', required: true },
  prefix: {
    type: 'string',
    description: 'Prepended to every blob name (default: config upload.prefix)',
  },
  strategy: { type: 'string', description: `Account strategy: ${STRATEGIES.join(', ')}` },
  accounts: {
    type: 'string',
    description: 'Comma-separated account ids to pay with (default: all)',
  },
  'expires-in': { type: 'string', description: 'Expiry: a duration (30d, 12h) or an ISO date' },
  'follow-symlinks': {
    type: 'boolean',
    description: 'Follow symbolic links inside the tree',
    default: false,
  },
} as const;

/** What those options parse to. */
export interface BatchArgs {
  _: string[];
  prefix?: string;
  strategy?: string;
  accounts?: string;
  'expires-in'?: string;
  'follow-symlinks': boolean;
}

/**
 * Checks the batch options against the config and builds a request; every problem is a one-line
 * `CliError` before anything starts. `expiry: 'relative'` keeps a duration for scheduled runs.
 */
export function buildRequest(
  config: Config,
  args: BatchArgs,
  options: { batchId: string; expiry: 'absolute' | 'relative' },
): BatchRequest {
  const sources = args._.map((p) => path.resolve(p));
  for (const source of sources) {
    if (!fs.existsSync(source)) throw new CliError(`${source}: no such file or folder`);
  }
  refuseOverlaps(sources);
  const strategy = (args.strategy ?? config.upload.strategy) as StrategyName;
  if (!STRATEGIES.includes(strategy)) {
    throw new CliError(`unknown strategy "${strategy}": use one of ${STRATEGIES.join(', ')}`);
  }
  // A one-off batch dates its prefix now; a scheduled one when each run starts.
  const rawPrefix = args.prefix ?? config.upload.prefix;
  const prefixSource = args.prefix !== undefined ? '--prefix' : `upload.prefix in ${config.path}`;
  const prefix =
    options.expiry === 'absolute'
      ? rawPrefix.split('{date}').join(new Date().toISOString().slice(0, 10))
      : rawPrefix;
  const prefixCheck = validatePrefix(prefix.split('{date}').join('2000-01-01'));
  if (!prefixCheck.ok) throw new CliError(`${prefixSource} "${prefix}": ${prefixCheck.reason}`);
  // Readers build URLs from names, and URLs collapse these segments: such a blob cannot be read.
  if (prefix.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new CliError(
      `${prefixSource} "${prefix}": '.' and '..' segments make blobs that cannot be downloaded`,
    );
  }
  let accounts = config.accounts;
  if (args.accounts !== undefined) {
    const wanted = args.accounts
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
    if (wanted.length === 0) {
      throw new CliError(`--accounts "${args.accounts}": name at least one account id`);
    }
    const unknown = wanted.filter((id) => !accounts.some((a) => a.id === id));
    if (unknown.length > 0) {
      throw new CliError(`unknown account id(s): ${unknown.join(', ')} (config: ${config.path})`);
    }
    accounts = accounts.filter((a) => wanted.includes(a.id));
  }
  const expiresIn = args['expires-in'] ?? config.upload.expiresIn;
  let expirationMicros = 0;
  let expiresInMs: number | undefined;
  const expirySource =
    args['expires-in'] !== undefined ? '--expires-in' : `upload.expiresIn in ${config.path}`;
  try {
    if (options.expiry === 'relative') {
      expiresInMs = parseDuration(expiresIn);
      if (expiresInMs > MAX_EXPIRY_MS) {
        throw new Error(`${expiresIn} is more than 100 years; give a shorter duration`);
      }
      if (expiresInMs < MIN_EXPIRY_MS) {
        throw new Error(`${expiresIn} is less than an hour; give at least 1h`);
      }
    } else expirationMicros = resolveExpiry(expiresIn, Date.now()) * 1000;
  } catch (error) {
    throw new CliError(`${expirySource}: ${(error as Error).message}`);
  }
  return {
    batchId: options.batchId,
    sources,
    prefix,
    strategy,
    accounts: accounts.map((a) => ({ id: a.id, weight: a.weight })),
    network: config.network.name,
    expirationMicros,
    expiresInMs,
    maxParallel: config.global_limits.max_parallel_uploads,
    maxRetries: config.global_limits.max_retries,
    followSymlinks: args['follow-symlinks'],
    groupsPerRun: Number(process.env.SHELBY_BATCH_GROUPS_PER_RUN) || undefined,
  };
}

/**
 * Refuses a source inside another: each file under both would be stored twice, under two names
 * (names are relative to their source). The same source twice is fine: planning skips repeats.
 */
function refuseOverlaps(sources: string[]): void {
  const real = sources.map((source) => fs.realpathSync(source));
  for (let i = 0; i < real.length; i++) {
    for (let j = 0; j < real.length; j++) {
      if (real[i] === real[j]) continue;
      const inside = path.relative(real[i], real[j]);
      if (!inside.startsWith('..') && !path.isAbsolute(inside)) {
        throw new CliError(
          `${sources[j]} is inside ${sources[i]}: its files would be stored twice, under two ` +
            'names; give only one of them',
        );
      }
    }
  }
}
