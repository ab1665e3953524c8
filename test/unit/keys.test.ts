import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';

import { Account, Ed25519PrivateKey } from '@aptos-labs/ts-sdk';

import { ConfigError } from '../../src/config/errors';
import { KeyStore, resolveSecret } from '../../src/config/keys';
import { loadConfig, PACKAGED_CONFIG_PATH } from '../../src/config/load';
import type { AccountConfig } from '../../src/config/schema';

function freshKey() {
  const privateKey = Ed25519PrivateKey.generate();
  const address = Account.fromPrivateKey({ privateKey }).accountAddress.toStringLong();
  const hex = privateKey.toHexString();
  return { aip80: privateKey.toAIP80String(), hex, bare: hex.slice(2), address };
}

function account(id: string, privateKey: string, address: string): AccountConfig {
  return { id, name: id, address, privateKey, weight: 1 };
}

function caught(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as Error;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveSecret', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keys-test-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    delete process.env.SHELBY_TEST_SECRET;
  });

  it('reads env:NAME from the environment', () => {
    process.env.SHELBY_TEST_SECRET = 's3cret';
    expect(resolveSecret('env:SHELBY_TEST_SECRET', dir)).toBe('s3cret');
  });

  it('names the account and the variable when env:NAME is unset or empty', () => {
    const label = 'accounts[1] (bob).privateKey';
    expect(() => resolveSecret('env:SHELBY_TEST_SECRET', dir, label)).toThrow(
      'accounts[1] (bob).privateKey: environment variable SHELBY_TEST_SECRET is not set',
    );
    process.env.SHELBY_TEST_SECRET = '  ';
    expect(() => resolveSecret('env:SHELBY_TEST_SECRET', dir, label)).toThrow(ConfigError);
  });

  it('reads file:PATH relative to the config folder, trimmed', () => {
    fs.mkdirSync(path.join(dir, 'keys'));
    fs.writeFileSync(path.join(dir, 'keys', 'alice.key'), '  abc\n');
    expect(resolveSecret('file:keys/alice.key', dir)).toBe('abc');
    expect(resolveSecret(`file:${path.join(dir, 'keys', 'alice.key')}`, '/elsewhere')).toBe('abc');
  });

  it('reports a missing or empty key file by path', () => {
    expect(() => resolveSecret('file:nope.key', dir, 'k')).toThrow(
      `k: cannot read ${path.join(dir, 'nope.key')} (ENOENT)`,
    );
    fs.writeFileSync(path.join(dir, 'empty.key'), '\n');
    expect(() => resolveSecret('file:empty.key', dir, 'k')).toThrow(/is empty/);
  });

  it('returns anything else as the inline value', () => {
    expect(resolveSecret('ed25519-priv-0xabc', dir)).toBe('ed25519-priv-0xabc');
  });
});

describe('KeyStore', () => {
  it('accepts AIP-80 keys, bare hex and 0x hex, from inline, env and file references', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keys-test-'));
    try {
      const [a, b, c, d] = [freshKey(), freshKey(), freshKey(), freshKey()];
      process.env.SHELBY_TEST_KEY_B = b.bare;
      fs.writeFileSync(path.join(dir, 'c.key'), `${c.aip80}\n`);
      const store = KeyStore.fromConfig({
        path: path.join(dir, 'accounts.yaml'),
        accounts: [
          account('a', a.aip80, a.address),
          account('b', 'env:SHELBY_TEST_KEY_B', b.address),
          account('c', 'file:c.key', c.address),
          account('d', d.hex, d.address),
        ],
      });
      expect(store.ids()).toEqual(['a', 'b', 'c', 'd']);
      expect(store.signer('b').accountAddress.toStringLong()).toBe(b.address);
      expect(store.signer('c').accountAddress.toStringLong()).toBe(c.address);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      delete process.env.SHELBY_TEST_KEY_B;
    }
  });

  it('loads the packaged demo accounts', () => {
    const config = loadConfig({ path: PACKAGED_CONFIG_PATH, env: {} });
    const store = KeyStore.fromConfig(config);
    expect(store.ids()).toEqual(config.accounts.map((entry) => entry.id));
    for (const entry of config.accounts) {
      expect(store.signer(entry.id).accountAddress.toStringLong()).toBe(entry.address);
    }
  });

  it('refuses a key that belongs to another address, without printing the key', () => {
    const key = freshKey();
    const other = freshKey();
    const error = caught(() =>
      KeyStore.fromConfig({
        path: '/x/a.yaml',
        accounts: [account('alice', key.aip80, other.address)],
      }),
    );
    expect(error.message).toContain('accounts[0] (alice).privateKey: the key belongs to');
    expect(error.message).toContain(other.address);
    expect(error.message).not.toContain(key.bare);
  });

  it.each([
    ['too short', 'ed25519-priv-0x1234'],
    ['not hex', `ed25519-priv-0x${'zz'.repeat(32)}`],
    ['a secp256k1 key', `secp256k1-priv-0x${'11'.repeat(32)}`],
    ['garbage', 'correct horse battery staple'],
  ])('refuses a malformed key (%s) without echoing it', (_case, secret) => {
    const error = caught(() =>
      KeyStore.fromConfig({
        path: '/x/a.yaml',
        accounts: [account('a', secret, freshKey().address)],
      }),
    );
    expect(error.message).toContain('accounts[0] (a).privateKey: not an Ed25519 private key');
    expect(error.message).not.toContain(secret);
  });

  it('names the unknown account and lists the configured ones', () => {
    const key = freshKey();
    const store = KeyStore.fromConfig({
      path: '/x/a.yaml',
      accounts: [account('alice', key.aip80, key.address)],
    });
    expect(() => store.signer('mallory')).toThrow(
      'unknown account "mallory"; configured accounts: alice',
    );
  });

  it('shows only account ids when printed or serialised', () => {
    const key = freshKey();
    const store = KeyStore.fromConfig({
      path: '/x/a.yaml',
      accounts: [account('alice', key.aip80, key.address)],
    });
    for (const text of [
      inspect(store, { showHidden: true, depth: 10 }),
      JSON.stringify(store),
      String(store),
    ]) {
      expect(text).not.toContain(key.bare);
    }
    expect(JSON.stringify(store)).toBe('{"accounts":["alice"]}');
  });
});
