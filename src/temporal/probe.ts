import * as net from 'node:net';

import { parseHostPort } from './address';

/**
 * Whether something accepts TCP connections at a Temporal address. This is the "does a server
 * listen here" test that decides whether to start the embedded dev server; it needs no TLS
 * settings and costs one connection.
 */
export function isTemporalReachable(address: string, timeoutMs = 1_000): Promise<boolean> {
  const { host, port } = parseHostPort(address);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (reachable: boolean) => {
      socket.destroy();
      resolve(reachable);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
