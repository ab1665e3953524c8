import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { ConfigError } from '../../src/config/errors';
import {
  loadConfig,
  PACKAGED_CONFIG_PATH,
  parseConfig,
  parseDuration,
  resolveExpiry,
} from '../../src/config/load';

const ADDRESS = `0x${'ab'.repeat(32)}`;
const OTHER_ADDRESS = `0x${'cd'.repeat(32)}`;
const SECRET_KEY = `ed25519-priv-0x${'11'.repeat(32)}`;

const minimal = `accounts:\n  - id: alice\n    address: "${ADDRESS}"\n    privateKey: env:ALICE_KEY\n`;

function parse(text: string, env: NodeJS.ProcessEnv = {}) {
  return parseConfig(text, { path: 'config/accounts.yaml', cwd: '/project', env });
}

function problemOf(text: string): string {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).name).toBe('ConfigError');
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

function withAccount(fields: string): string {
  return `accounts:\n  - id: alice\n    address: "${ADDRESS}"\n    privateKey: env:K\n${fields}`;
}

describe('parseConfig', () => {
  it('fills every default from a file with only accounts', () => {
    const config = parse(minimal);
    expect(config.network).toEqual({
      name: 'local',
      localnet: {
        port: 9470,
        pricing: {
          gasUnitPrice: 100,
          gasPerTransaction: 500,
          gasPerBlob: 50,
          storagePerBlob: 1000,
          storagePerMiB: 10000,
        },
      },
    });
    expect(config.temporal).toEqual({
      address: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'shelby-batch',
    });
    expect(config.upload).toEqual({ prefix: '', expiresIn: '30d', strategy: 'round-robin' });
    expect(config.global_limits).toEqual({ max_parallel_uploads: 8, max_retries: 5 });
    expect(config.accounts).toEqual([
      { id: 'alice', name: 'alice', address: ADDRESS, privateKey: 'env:ALICE_KEY', weight: 1 },
    ]);
    expect(config.path).toBe(path.resolve('/project/config/accounts.yaml'));
    expect(config.stateDir).toBe(path.resolve('/project/.shelby-batch'));
  });

  it('keeps partial nested settings and defaults the rest', () => {
    const config = parse(`network:\n  localnet:\n    pricing: { gasUnitPrice: 7 }\n${minimal}`);
    expect(config.network.localnet.port).toBe(9470);
    expect(config.network.localnet.pricing.gasUnitPrice).toBe(7);
    expect(config.network.localnet.pricing.storagePerMiB).toBe(10000);
  });

  it('normalises addresses to lowercase 0x + 64 hex, even unquoted or without 0x', () => {
    const upper = `0x${'AB'.repeat(32)}`;
    expect(parse(minimal.replace(`"${ADDRESS}"`, upper)).accounts[0].address).toBe(ADDRESS);
    expect(parse(minimal.replace(`"${ADDRESS}"`, 'ab'.repeat(32))).accounts[0].address).toBe(
      ADDRESS,
    );
  });

  it('keeps secret references unresolved', () => {
    const config = parse(
      `network: { name: shelbynet, apiKey: env:SHELBY_API_KEY }\ntemporal: { apiKey: file:t.key }\n${minimal}`,
    );
    expect(config.network.apiKey).toBe('env:SHELBY_API_KEY');
    expect(config.temporal.apiKey).toBe('file:t.key');
    expect(config.accounts[0].privateKey).toBe('env:ALICE_KEY');
  });

  it('applies TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and SHELBY_BATCH_HOME', () => {
    const config = parse(minimal, {
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'uploads',
      SHELBY_BATCH_HOME: 'state',
    });
    expect(config.temporal.address).toBe('temporal.internal:7233');
    expect(config.temporal.namespace).toBe('uploads');
    expect(config.stateDir).toBe(path.resolve('/project/state'));
  });

  it('turns tls: true into TLS with defaults and resolves TLS paths against the config folder', () => {
    expect(parse(`temporal: { tls: true }\n${minimal}`).temporal.tls).toEqual({});
    expect(parse(`temporal: { tls: false }\n${minimal}`).temporal.tls).toBeUndefined();
    const config = parse(
      `temporal:\n  tls: { serverRootCACertificatePath: certs/ca.pem, clientCertPath: c.pem, clientKeyPath: /abs/c.key }\n${minimal}`,
    );
    expect(config.temporal.tls).toEqual({
      serverRootCACertificatePath: path.resolve('/project/config/certs/ca.pem'),
      clientCertPath: path.resolve('/project/config/c.pem'),
      clientKeyPath: path.resolve('/abs/c.key'),
    });
  });

  it('accepts a custom network with its URLs', () => {
    const config = parse(
      `network:\n  name: custom\n  fullnode: http://127.0.0.1:1/v1\n  rpc: http://127.0.0.1:1/shelby\n  indexer: http://127.0.0.1:1/g\n${minimal}`,
    );
    expect(config.network.fullnode).toBe('http://127.0.0.1:1/v1');
  });

  it.each([
    [
      'a negative weight',
      withAccount('    weight: -1\n'),
      'config/accounts.yaml: accounts[0].weight: expected a positive number, got -1',
    ],
    [
      'an unknown strategy',
      `upload: { strategy: fastest }\n${minimal}`,
      'config/accounts.yaml: upload.strategy: expected one of round-robin, least-loaded, token-aware, weighted-random, got "fastest"',
    ],
    [
      'missing accounts',
      'network: { name: local }\n',
      'config/accounts.yaml: accounts: expected a list of accounts, but it is missing',
    ],
    [
      'an empty account list',
      'accounts: []\n',
      'config/accounts.yaml: accounts: expected at least one account, got a list',
    ],
    [
      'an empty file',
      '',
      'config/accounts.yaml: accounts: expected a list of accounts, but it is missing',
    ],
    [
      'a list at the top level',
      '- a\n- b\n',
      'config/accounts.yaml: (top level): expected a mapping, got a list',
    ],
    [
      'a short address',
      minimal.replace(ADDRESS, '0x1234'),
      'config/accounts.yaml: accounts[0].address: expected an address: 0x followed by 64 hex digits, got "0x1234"',
    ],
    [
      'a misspelt key',
      `global_limits: { max_paralel_uploads: 4 }\n${minimal}`,
      'config/accounts.yaml: global_limits: unknown key "max_paralel_uploads" (did you mean "max_parallel_uploads"?); allowed here: max_parallel_uploads, max_retries',
    ],
    [
      'an unknown account key',
      withAccount('    privatekey: x\n'),
      'accounts[0]: unknown key "privatekey" (did you mean "privateKey"?)',
    ],
    [
      'a zero parallelism',
      `global_limits: { max_parallel_uploads: 0 }\n${minimal}`,
      'global_limits.max_parallel_uploads: expected a whole number of at least 1, got 0',
    ],
    [
      'a bad expiry',
      `upload: { expiresIn: soon }\n${minimal}`,
      'upload.expiresIn: expected a duration such as 30d, 12h, 90m or 45s, or an ISO date, got "soon"',
    ],
    [
      'a bad network name',
      `network: { name: mainnet }\n${minimal}`,
      'network.name: expected one of local, shelbynet, testnet, custom',
    ],
    [
      'a custom network without URLs',
      `network: { name: custom }\n${minimal}`,
      'network.fullnode: expected an http(s) URL: a custom network needs fullnode and rpc',
    ],
    [
      'a non-http URL',
      `network: { name: shelbynet, rpc: "ftp://x" }\n${minimal}`,
      'network.rpc: expected an http(s) URL, got "ftp://x"',
    ],
    [
      'a port out of range',
      `network: { localnet: { port: 70000 } }\n${minimal}`,
      'network.localnet.port: expected a TCP port from 1 to 65535, got 70000',
    ],
    [
      'a temporal address without a port',
      `temporal: { address: localhost }\n${minimal}`,
      'temporal.address: expected host:port, got "localhost"',
    ],
    [
      'a client cert without its key',
      `temporal: { tls: { clientCertPath: c.pem } }\n${minimal}`,
      'temporal.tls.clientKeyPath: expected clientCertPath and clientKeyPath together',
    ],
    [
      'an account id with a comma',
      minimal.replace('id: alice', 'id: "a,b"'),
      'accounts[0].id: expected an id of letters, digits',
    ],
    [
      'a fractional balance',
      withAccount('    balance: { apt: 1.5 }\n'),
      'accounts[0].balance.apt: expected a whole number of octas, got 1.5',
    ],
    [
      'a balance beyond 2^53',
      withAccount('    balance: { shelbyusd: 100000000000000000000 }\n'),
      'accounts[0].balance.shelbyusd: expected a whole number of ShelbyUSD base units, got "100000000000000000000"',
    ],
  ])('rejects %s with the file, the field and what was expected', (_case, text, expected) => {
    expect(problemOf(text)).toContain(expected);
  });

  it('rejects duplicate account ids and duplicate addresses, naming the first', () => {
    const text =
      `accounts:\n` +
      `  - { id: a, address: "${ADDRESS}", privateKey: env:A }\n` +
      `  - { id: a, address: "${OTHER_ADDRESS}", privateKey: env:B }\n` +
      `  - { id: c, address: "${ADDRESS.toUpperCase().replace('0X', '0x')}", privateKey: env:C }\n`;
    const message = problemOf(text);
    expect(message).toContain(
      'accounts[1].id: expected a unique id, but "a" is also accounts[0].id',
    );
    expect(message).toContain(
      'accounts[2].address: expected a unique address, but it is also accounts[0].address',
    );
  });

  it('reports every problem, one per line', () => {
    const message = problemOf(
      `upload: { strategy: x }\nglobal_limits: { max_retries: -1 }\n${minimal}`,
    );
    expect(message.split('\n')).toHaveLength(2);
  });

  it('reports malformed YAML with its line and column', () => {
    expect(problemOf(`network:\n  name: local\n bad: [1\n${minimal}`)).toMatch(
      /^config\/accounts\.yaml:3:\d+: malformed YAML: /,
    );
    expect(problemOf(`accounts: []\naccounts: []\n`)).toMatch(
      /^config\/accounts\.yaml:2:1: malformed YAML: Map keys must be unique/,
    );
  });

  it('never quotes a private key, whether the value or the YAML is wrong', () => {
    const wrongType = withAccount('').replace('privateKey: env:K', `privateKey: [${SECRET_KEY}]`);
    expect(problemOf(wrongType)).toContain('accounts[0].privateKey: expected a secret reference');
    expect(problemOf(wrongType)).not.toContain('11111111');
    const badYaml = withAccount('').replace('privateKey: env:K', `privateKey: ${SECRET_KEY}: x`);
    expect(problemOf(badYaml)).not.toContain('11111111');
    const numeric = withAccount('').replace('privateKey: env:K', 'privateKey: 123456789');
    expect(problemOf(numeric)).toContain('got a number (value hidden)');
    expect(problemOf(numeric)).not.toContain('123456789');
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-test-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function write(relative: string, text: string): string {
    const file = path.join(dir, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  }

  it('prefers an explicit path, then SHELBY_BATCH_CONFIG, then ./config/accounts.yaml', () => {
    const explicit = write('explicit.yaml', minimal.replace('alice', 'explicit'));
    const fromEnv = write('env.yaml', minimal.replace('alice', 'fromenv'));
    write('config/accounts.yaml', minimal.replace('alice', 'local'));
    const env = { SHELBY_BATCH_CONFIG: fromEnv };
    expect(loadConfig({ path: explicit, cwd: dir, env }).accounts[0].id).toBe('explicit');
    expect(loadConfig({ cwd: dir, env }).accounts[0].id).toBe('fromenv');
    const local = loadConfig({ cwd: dir, env: {} });
    expect(local.accounts[0].id).toBe('local');
    expect(local.path).toBe(path.join(dir, 'config', 'accounts.yaml'));
  });

  it('resolves an explicit relative path against cwd', () => {
    write('sub/c.yaml', minimal);
    expect(loadConfig({ path: 'sub/c.yaml', cwd: dir, env: {} }).path).toBe(
      path.join(dir, 'sub', 'c.yaml'),
    );
  });

  it('falls back to the packaged sample config', () => {
    const config = loadConfig({ cwd: dir, env: {} });
    expect(config.path).toBe(PACKAGED_CONFIG_PATH);
    expect(config.stateDir).toBe(path.join(dir, '.shelby-batch'));
  });

  it('reports a missing explicit file or SHELBY_BATCH_CONFIG', () => {
    expect(() => loadConfig({ path: 'nope.yaml', cwd: dir, env: {} })).toThrow(
      'nope.yaml: the config file does not exist',
    );
    expect(() => loadConfig({ cwd: dir, env: { SHELBY_BATCH_CONFIG: 'gone.yaml' } })).toThrow(
      'gone.yaml: SHELBY_BATCH_CONFIG does not exist',
    );
  });
});

describe('the packaged sample config', () => {
  const config = loadConfig({ path: PACKAGED_CONFIG_PATH, env: {} });

  it('is valid, local, and has three weighted demo accounts', () => {
    expect(config.network.name).toBe('local');
    expect(config.temporal.address).toBe('127.0.0.1:7233');
    expect(config.upload).toEqual({ prefix: '', expiresIn: '30d', strategy: 'round-robin' });
    expect(config.global_limits).toEqual({ max_parallel_uploads: 8, max_retries: 5 });
    expect(config.accounts.map((account) => account.weight)).toEqual([3, 2, 1]);
    for (const account of config.accounts) expect(account.name).toMatch(/DEMO/);
  });

  it('funds each account for about 100,000 small blobs at the default price', () => {
    const { pricing } = config.network.localnet;
    const storage = pricing.storagePerBlob + pricing.storagePerMiB;
    const gas = pricing.gasUnitPrice * (pricing.gasPerTransaction + pricing.gasPerBlob);
    for (const account of config.accounts) {
      expect(account.balance!.shelbyusd).toBeGreaterThanOrEqual(100_000 * storage);
      expect(account.balance!.apt).toBeGreaterThanOrEqual(100_000 * gas);
    }
  });
});

describe('durations and expiry', () => {
  it.each([
    ['30d', 30 * 86_400_000],
    ['12h', 12 * 3_600_000],
    ['90m', 90 * 60_000],
    ['45s', 45_000],
    ['2w', 14 * 86_400_000],
    ['500ms', 500],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', 'd', '0d', '-1d', '1.5h', '30 days', '1y'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(ConfigError);
  });

  const now = Date.parse('2030-01-01T00:00:00Z');

  it('adds a duration to now', () => {
    expect(resolveExpiry('30d', now)).toBe(now + 30 * 86_400_000);
  });

  it('reads ISO dates and date-times', () => {
    expect(resolveExpiry('2030-02-01', now)).toBe(Date.parse('2030-02-01T00:00:00Z'));
    expect(resolveExpiry('2030-02-01T12:30:00+02:00', now)).toBe(
      Date.parse('2030-02-01T10:30:00Z'),
    );
  });

  it('rejects expiries more than 100 years away', () => {
    expect(resolveExpiry('36525d', now)).toBe(now + 36_525 * 86_400_000);
    expect(() => resolveExpiry('36526d', now)).toThrow(/more than 100 years away/);
    expect(() => resolveExpiry('99999999d', now)).toThrow(/more than 100 years away/);
    expect(() => resolveExpiry('2200-01-01', now)).toThrow(/more than 100 years away/);
  });

  it('rejects expiries less than an hour away', () => {
    expect(resolveExpiry('1h', now)).toBe(now + 3_600_000);
    expect(() => resolveExpiry('59m', now)).toThrow(/less than an hour away/);
    expect(() => resolveExpiry('1s', now)).toThrow(/less than an hour away/);
  });

  it('rejects past dates, now itself, and dates in other shapes', () => {
    expect(() => resolveExpiry('2029-12-31', now)).toThrow(/is in the past/);
    expect(() => resolveExpiry('2030-01-01T00:00:00Z', now)).toThrow(/is in the past/);
    expect(() => resolveExpiry('March 7 2031', now)).toThrow(ConfigError);
    expect(() => resolveExpiry('2031-13-45', now)).toThrow(ConfigError);
    expect(() => resolveExpiry('2030-02-30', now)).toThrow(ConfigError);
    expect(() => resolveExpiry('2031-04-31T10:00:00Z', now)).toThrow(ConfigError);
    expect(resolveExpiry('2032-02-29', now)).toBe(Date.parse('2032-02-29T00:00:00Z'));
  });
});
