import * as fs from 'node:fs';
import * as path from 'node:path';

import { LineCounter, parseDocument, visit } from 'yaml';

import { ConfigError } from './errors';
import { formatIssues } from './issues';
import { type Config, configFileSchema, finishConfigFile } from './schema';

export { parseDuration, parseExpirySpec, resolveExpiry } from './duration';
export { ConfigError } from './errors';
export type * from './schema';

/** Where to look for the configuration. */
export interface LoadConfigOptions {
  /** An explicit config file (relative to `cwd`); wins over everything else. */
  path?: string;
  /** Folder to resolve relative paths and defaults against; defaults to `process.cwd()`. */
  cwd?: string;
  /** Environment to read overrides from; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** The sample config shipped with the package, found relative to this file (src/ or dist/). */
export const PACKAGED_CONFIG_PATH = path.resolve(__dirname, '..', '..', 'config', 'accounts.yaml');

/**
 * Finds, reads and validates the configuration.
 *
 * Lookup order: `options.path`, then `SHELBY_BATCH_CONFIG`, then `<cwd>/config/accounts.yaml`,
 * then the package's own sample `config/accounts.yaml` (demo accounts for the localnet).
 * `TEMPORAL_ADDRESS` and `TEMPORAL_NAMESPACE` override the file. The state folder is
 * `SHELBY_BATCH_HOME`, or `<cwd>/.shelby-batch`.
 *
 * Secrets are not resolved here: `privateKey` and `apiKey` stay references until a worker's
 * KeyStore needs them.
 *
 * @throws ConfigError naming the file, the field and what was expected
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const file = findConfigFile(cwd, env, options.path);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `${displayPath(file, cwd)}: cannot read the config file (${errorCode(error)})`,
    );
  }
  return parseConfig(text, { path: file, cwd, env });
}

/**
 * Validates configuration text. Exposed for tests and for commands that receive the YAML some
 * other way; {@link loadConfig} is the usual entry point.
 *
 * @param options.path the file the text came from, used in messages and to resolve relative paths
 */
export function parseConfig(
  text: string,
  options: { path: string; cwd?: string; env?: NodeJS.ProcessEnv },
): Config {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const file = path.resolve(cwd, options.path);
  const shown = displayPath(file, cwd);
  const raw = parseYaml(text, shown);

  const result = configFileSchema.safeParse(raw ?? {});
  if (!result.success) {
    throw new ConfigError(formatIssues(result.error.issues, raw ?? {}, shown, configFileSchema));
  }
  const parsed = finishConfigFile(result.data);

  const configDir = path.dirname(file);
  const tls = parsed.temporal.tls && {
    ...parsed.temporal.tls,
    serverRootCACertificatePath: resolveFrom(
      configDir,
      parsed.temporal.tls.serverRootCACertificatePath,
    ),
    clientCertPath: resolveFrom(configDir, parsed.temporal.tls.clientCertPath),
    clientKeyPath: resolveFrom(configDir, parsed.temporal.tls.clientKeyPath),
  };
  return {
    ...parsed,
    temporal: {
      ...parsed.temporal,
      address: nonEmpty(env.TEMPORAL_ADDRESS) ?? parsed.temporal.address,
      namespace: nonEmpty(env.TEMPORAL_NAMESPACE) ?? parsed.temporal.namespace,
      ...(tls ? { tls: dropUndefined(tls) } : {}),
    },
    path: file,
    stateDir: path.resolve(cwd, nonEmpty(env.SHELBY_BATCH_HOME) ?? '.shelby-batch'),
  };
}

/**
 * Applies the lookup order of {@link loadConfig} and returns an absolute path.
 *
 * @throws ConfigError when an explicitly named file does not exist
 */
export function findConfigFile(cwd: string, env: NodeJS.ProcessEnv, explicit?: string): string {
  const named = nonEmpty(explicit) ?? nonEmpty(env.SHELBY_BATCH_CONFIG);
  if (named !== undefined) {
    const file = path.resolve(cwd, named);
    if (!fs.existsSync(file)) {
      const source = nonEmpty(explicit) ? 'the config file' : 'SHELBY_BATCH_CONFIG';
      throw new ConfigError(`${displayPath(file, cwd)}: ${source} does not exist; check the path`);
    }
    return file;
  }
  const local = path.join(cwd, 'config', 'accounts.yaml');
  if (fs.existsSync(local)) return local;
  if (fs.existsSync(PACKAGED_CONFIG_PATH)) return PACKAGED_CONFIG_PATH;
  throw new ConfigError(
    `no config file: create ${displayPath(local, cwd)} or set SHELBY_BATCH_CONFIG`,
  );
}

// YAML errors are reported by line and column only: the yaml library's "pretty" messages quote the
// offending source line, which could be a private key.
function parseYaml(text: string, shown: string): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const [error] = document.errors;
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw new ConfigError(`${shown}:${line}:${col}: malformed YAML: ${error.message}`);
  }
  // YAML reads an unquoted `0x…` address or hex key as a number and silently rounds it, and
  // rounds integers beyond 2^53 too: keep the text so validation can complain instead.
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value !== 'number' || typeof node.source !== 'string') return;
      if (/^[-+]?0x/i.test(node.source) || !Number.isSafeInteger(node.value)) {
        if (/^[-+]?(0x[0-9a-f]+|\d+)$/i.test(node.source)) node.value = node.source;
      }
    },
  });
  return document.toJS();
}

function resolveFrom(dir: string, file: string | undefined): string | undefined {
  return file === undefined ? undefined : path.resolve(dir, file);
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
    ? relative.split(path.sep).join('/')
    : file;
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? 'unknown error';
}
