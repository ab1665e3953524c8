import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { autoStartRefusal, connectionOptions } from '../../src/temporal/connection';
import { TemporalTlsConfigError } from '../../src/temporal/errors';

describe('autoStartRefusal', () => {
  const local = { address: '127.0.0.1:7233', namespace: 'default' };

  it('allows a dev server on loopback without TLS', () => {
    expect(autoStartRefusal(local, true)).toBeUndefined();
    expect(autoStartRefusal({ ...local, address: 'localhost:7300' }, true)).toBeUndefined();
  });

  it('refuses when auto-start is off, and says how to start one', () => {
    expect(autoStartRefusal(local, false)).toMatch(/shelby-batch server start/);
  });

  it('refuses for another machine, since a local server could never answer there', () => {
    expect(autoStartRefusal({ ...local, address: 'temporal.internal:7233' }, true)).toMatch(
      /loopback/,
    );
  });

  it('refuses when TLS or an API key is configured', () => {
    expect(autoStartRefusal({ ...local, tls: true }, true)).toMatch(/TLS/);
    expect(autoStartRefusal({ ...local, apiKey: 'k' }, true)).toMatch(/API key/);
  });
});

describe('connectionOptions', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-tls-'));
    for (const name of ['ca.pem', 'client.pem', 'client.key'])
      fs.writeFileSync(path.join(dir, name), name);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('connects in plaintext by default', () => {
    expect(connectionOptions({ address: '127.0.0.1:7233', namespace: 'default' })).toEqual({
      address: '127.0.0.1:7233',
    });
  });

  it('turns TLS on for an API key and sends the namespace header', () => {
    expect(
      connectionOptions({
        address: 'ns.acct.tmprl.cloud:7233',
        namespace: 'ns.acct',
        apiKey: 'secret',
      }),
    ).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      tls: true,
      apiKey: 'secret',
      metadata: { 'temporal-namespace': 'ns.acct' },
    });
  });

  it('keeps TLS off when explicitly disabled, even with an API key', () => {
    const options = connectionOptions({
      address: 'proxy:7233',
      namespace: 'n',
      apiKey: 'k',
      tls: false,
    });
    expect(options.tls).toBeUndefined();
  });

  it('reads a private CA, SNI override and mTLS pair from files', () => {
    const options = connectionOptions({
      address: 'temporal.internal:7233',
      namespace: 'n',
      tls: {
        serverName: 'temporal.example',
        serverRootCACertificatePath: path.join(dir, 'ca.pem'),
        clientCertPath: path.join(dir, 'client.pem'),
        clientKeyPath: path.join(dir, 'client.key'),
      },
    });
    expect(options.tls).toEqual({
      serverNameOverride: 'temporal.example',
      serverRootCACertificate: Buffer.from('ca.pem'),
      clientCertPair: { crt: Buffer.from('client.pem'), key: Buffer.from('client.key') },
    });
  });

  it('refuses half an mTLS pair and unreadable files with typed errors', () => {
    expect(() =>
      connectionOptions({
        address: 'h:1',
        namespace: 'n',
        tls: { clientCertPath: path.join(dir, 'client.pem') },
      }),
    ).toThrow(TemporalTlsConfigError);
    expect(() =>
      connectionOptions({
        address: 'h:1',
        namespace: 'n',
        tls: { serverRootCACertificatePath: path.join(dir, 'none.pem') },
      }),
    ).toThrow(/serverRootCACertificatePath .*none\.pem cannot be read \(ENOENT\)/);
  });
});
