import { TemporalAddressInvalidError } from './errors';

/** A Temporal frontend address split into its parts. */
export interface HostPort {
  /** Host name or IP, without IPv6 brackets. */
  host: string;
  port: number;
}

/** The port Temporal's frontend uses when an address names none. */
export const DEFAULT_TEMPORAL_PORT = 7233;

/**
 * Splits `host:port` (or `[ipv6]:port`, or a bare host) into its parts, the way the Temporal SDKs
 * read an address: a missing port means 7233.
 */
export function parseHostPort(address: string, defaultPort = DEFAULT_TEMPORAL_PORT): HostPort {
  const trimmed = address.trim();
  if (trimmed === '' || /\s|\/|^[a-z]+:\/\//i.test(trimmed)) {
    throw new TemporalAddressInvalidError(address);
  }

  let host: string;
  let portText: string | undefined;
  if (trimmed.startsWith('[')) {
    const close = trimmed.indexOf(']');
    if (close < 0) throw new TemporalAddressInvalidError(address);
    host = trimmed.slice(1, close);
    const rest = trimmed.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw new TemporalAddressInvalidError(address);
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colons = trimmed.split(':').length - 1;
    // A bare IPv6 address has several colons and no port; anything else splits on the last one.
    if (colons > 1) {
      host = trimmed;
    } else if (colons === 1) {
      const at = trimmed.lastIndexOf(':');
      host = trimmed.slice(0, at);
      portText = trimmed.slice(at + 1);
    } else {
      host = trimmed;
    }
  }

  const port = portText === undefined ? defaultPort : Number(portText);
  if (host === '' || !Number.isInteger(port) || port < 1 || port > 65535 || portText === '') {
    throw new TemporalAddressInvalidError(address);
  }
  return { host, port };
}

/** Joins a host and port back into an address, bracketing IPv6 hosts. */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Whether a host is this machine's loopback: `localhost` (and `*.localhost`), `127.0.0.0/8`,
 * `::1`. Only such addresses may get an automatically started dev server, because a server
 * started here could never answer at another machine's address.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (/^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  const octets = h.split('.');
  return (
    octets.length === 4 &&
    octets[0] === '127' &&
    octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)
  );
}

/**
 * The IP a locally started server should bind for a loopback host. `localhost` becomes
 * `127.0.0.1` so the server listens on exactly one family and clients of either resolver order
 * still reach it through their IPv4 fallback.
 */
export function bindAddressFor(host: string): string {
  const h = host.replace(/^\[|\]$/g, '');
  return h.toLowerCase() === 'localhost' || h.toLowerCase().endsWith('.localhost')
    ? '127.0.0.1'
    : h;
}
