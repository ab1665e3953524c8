import {
  bindAddressFor,
  formatHostPort,
  isLoopbackHost,
  parseHostPort,
} from '../../src/temporal/address';
import { TemporalAddressInvalidError } from '../../src/temporal/errors';

describe('parseHostPort', () => {
  it.each([
    ['127.0.0.1:7233', { host: '127.0.0.1', port: 7233 }],
    ['localhost:17000', { host: 'localhost', port: 17000 }],
    ['my-ns.a1b2c.tmprl.cloud:7233', { host: 'my-ns.a1b2c.tmprl.cloud', port: 7233 }],
    ['temporal', { host: 'temporal', port: 7233 }],
    ['[::1]:7300', { host: '::1', port: 7300 }],
    ['[::1]', { host: '::1', port: 7233 }],
    ['::1', { host: '::1', port: 7233 }],
    ['  10.0.0.5:9000  ', { host: '10.0.0.5', port: 9000 }],
  ])('reads %s', (address, expected) => {
    expect(parseHostPort(address)).toEqual(expected);
  });

  it.each([
    '',
    'localhost:',
    ':7233',
    'localhost:0',
    'localhost:70000',
    'localhost:72x3',
    'http://localhost:7233',
    'localhost:7233/ns',
    '[::1',
    '[::1]x',
    'two words:7233',
  ])('refuses %j with a typed error that says what to fix', (address) => {
    expect(() => parseHostPort(address)).toThrow(TemporalAddressInvalidError);
    expect(() => parseHostPort(address)).toThrow(/fix temporal\.address/);
  });
});

describe('formatHostPort', () => {
  it('brackets IPv6 hosts and round-trips through parseHostPort', () => {
    for (const address of ['127.0.0.1:7233', '[::1]:7300', 'example.com:443']) {
      expect(formatHostPort(parseHostPort(address))).toBe(address);
    }
  });
});

describe('isLoopbackHost', () => {
  it.each([
    'localhost',
    'LOCALHOST',
    'api.localhost',
    '127.0.0.1',
    '127.1.2.3',
    '::1',
    '[::1]',
    '::ffff:127.0.0.1',
  ])('%s is loopback', (host) => expect(isLoopbackHost(host)).toBe(true));

  it.each([
    '0.0.0.0',
    '10.0.0.1',
    '128.0.0.1',
    '127.0.0.256',
    '127.0.0',
    'localhost.example.com',
    'temporal',
    '::',
    '::2',
  ])('%s is not loopback', (host) => expect(isLoopbackHost(host)).toBe(false));
});

describe('bindAddressFor', () => {
  it('binds localhost names to 127.0.0.1 and keeps literal IPs', () => {
    expect(bindAddressFor('localhost')).toBe('127.0.0.1');
    expect(bindAddressFor('127.0.0.5')).toBe('127.0.0.5');
    expect(bindAddressFor('[::1]')).toBe('::1');
  });
});
