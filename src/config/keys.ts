import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';

import { Account, type Ed25519Account, Ed25519PrivateKey } from '@aptos-labs/ts-sdk';

import { ConfigError } from './errors';
import type { Config } from './schema';

/**
 * Resolves a secret reference from the config.
 *
 * - `env:NAME`: the environment variable NAME (an unset or empty variable is an error);
 * - `file:PATH`: the file's content, trimmed; PATH is relative to the config file's folder, and
 *   `~/` means the home folder;
 * - anything else: the value itself (fine for localnet demo keys, not for real ones).
 *
 * @param label what the secret is for (e.g. `accounts[0] (alice).privateKey`), used in errors
 * @throws ConfigError naming the variable or file; never containing the secret
 */
export function resolveSecret(ref: string, configDir: string, label = 'secret'): string {
  if (ref.startsWith('env:')) {
    const name = ref.slice('env:'.length);
    const value = process.env[name];
    if (value === undefined || value.trim() === '') {
      throw new ConfigError(
        `${label}: environment variable ${name} is not set; export it or change the reference`,
      );
    }
    return value.trim();
  }
  if (ref.startsWith('file:')) {
    const file = expandHome(ref.slice('file:'.length));
    const absolute = path.resolve(configDir, file);
    let content: string;
    try {
      content = fs.readFileSync(absolute, 'utf8').trim();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      throw new ConfigError(`${label}: cannot read ${absolute} (${code}); check the path`);
    }
    if (content === '') throw new ConfigError(`${label}: ${absolute} is empty`);
    return content;
  }
  return ref;
}

/**
 * The signing accounts of a worker, built from the config's key references.
 *
 * Every key is resolved and checked at construction, so a worker with a wrong key stops at start
 * instead of failing a batch halfway. Keys stay in this process: only account ids cross into
 * Temporal. Printing or serialising a KeyStore shows account ids only.
 */
export class KeyStore {
  readonly #signers: ReadonlyMap<string, Ed25519Account>;

  private constructor(signers: ReadonlyMap<string, Ed25519Account>) {
    this.#signers = signers;
  }

  /**
   * Resolves and checks every account's key.
   *
   * @throws ConfigError when a reference cannot be resolved, a key is malformed, or a key's
   *   address differs from the configured address
   */
  static fromConfig(config: Pick<Config, 'accounts' | 'path'>): KeyStore {
    const configDir = path.dirname(config.path);
    const signers = new Map<string, Ed25519Account>();
    config.accounts.forEach((account, index) => {
      const label = `accounts[${index}] (${account.id}).privateKey`;
      const secret = resolveSecret(account.privateKey, configDir, label);
      const signer = toSigner(secret, label);
      const derived = signer.accountAddress.toStringLong();
      if (derived !== account.address.toLowerCase()) {
        throw new ConfigError(
          `${label}: the key belongs to ${derived}, not to the configured address ` +
            `${account.address}; fix the address or the key`,
        );
      }
      signers.set(account.id, signer);
    });
    return new KeyStore(signers);
  }

  /**
   * The signer for an account.
   *
   * @throws ConfigError when the id is not configured
   */
  signer(accountId: string): Ed25519Account {
    const signer = this.#signers.get(accountId);
    if (!signer) {
      throw new ConfigError(
        `unknown account "${accountId}"; configured accounts: ${this.ids().join(', ')}`,
      );
    }
    return signer;
  }

  /** The configured account ids, in config order. */
  ids(): string[] {
    return [...this.#signers.keys()];
  }

  /** Serialises as the account ids only. */
  toJSON(): { accounts: string[] } {
    return { accounts: this.ids() };
  }

  /** Prints as the account ids only. */
  [inspect.custom](): string {
    return `KeyStore { accounts: [${this.ids().join(', ')}] }`;
  }
}

// Accepts AIP-80 (`ed25519-priv-0x…`) and bare hex with or without 0x. The SDK's own errors may
// quote the input, so they are replaced, not wrapped.
function toSigner(secret: string, label: string): Ed25519Account {
  const aip80 = /^ed25519-priv-0x[0-9a-fA-F]{64}$/.test(secret);
  const bare = /^(0x)?[0-9a-fA-F]{64}$/.test(secret);
  if (!aip80 && !bare) {
    throw new ConfigError(
      `${label}: not an Ed25519 private key; expected ed25519-priv-0x followed by 64 hex digits ` +
        '(AIP-80), or 64 hex digits',
    );
  }
  try {
    const privateKey = new Ed25519PrivateKey(secret, aip80 ? true : false);
    return Account.fromPrivateKey({ privateKey, legacy: true });
  } catch {
    throw new ConfigError(`${label}: the Ed25519 private key could not be read; check its value`);
  }
}

function expandHome(file: string): string {
  return file === '~' || file.startsWith('~/') ? path.join(os.homedir(), file.slice(1)) : file;
}
