/**
 * One Temporal dev server for a whole jest run: started by the integration project's global
 * setup on free ports in a temporary state folder, stopped by its global teardown.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { startDevServer, stopDevServer } from '../../src/temporal/dev-server';

/** Set by the harness (or by you) for the tests: where the shared server answers. */
export const ADDRESS_ENV = 'TEMPORAL_ADDRESS';
/** Set this to reuse a server you run yourself; the harness then starts nothing. */
export const EXTERNAL_ADDRESS_ENV = 'TEMPORAL_TEST_ADDRESS';
/** The temporary state folder of the harness's server, for the teardown. */
export const STATE_DIR_ENV = 'SHELBY_BATCH_TEST_TEMPORAL_STATE';

/** The namespace integration tests run in. */
export const TEST_NAMESPACE = 'default';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the shared server unless one is given, and publishes its address in the environment. */
export async function startTestTemporal(): Promise<void> {
  const external = process.env[EXTERNAL_ADDRESS_ENV];
  if (external) {
    process.env[ADDRESS_ENV] = external;
    return;
  }
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shelby-batch-temporal-'));
  process.env[STATE_DIR_ENV] = stateDir;
  // Ports can be taken between the probe and the bind; a second pair usually is free.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const [port, uiPort] = [await freePort(), await freePort()];
    try {
      const server = await startDevServer({
        stateDir,
        address: `127.0.0.1:${port}`,
        uiPort,
        namespace: TEST_NAMESPACE,
        detached: false,
      });
      process.env[ADDRESS_ENV] = server.address;
      return;
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

/** Stops the shared server by its recorded pid and removes its state folder. */
export async function stopTestTemporal(): Promise<void> {
  const stateDir = process.env[STATE_DIR_ENV];
  if (!stateDir) return;
  await stopDevServer(stateDir);
  fs.rmSync(stateDir, { recursive: true, force: true });
  delete process.env[STATE_DIR_ENV];
}
