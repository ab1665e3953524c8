/**
 * Process entry of the background localnet (started by `ensureLocalnet`): runs the server until
 * SIGTERM or SIGINT, then closes it so the ledger is flushed.
 *
 * Usage: node daemon-entry.js --home <dir> --port <port> [--host 127.0.0.1] [--pricing <json>]
 */
import { parseArgs } from 'node:util';

import type { LocalnetPricing } from './pricing';
import { startLocalnet } from './server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      home: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      pricing: { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (!values.home || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(
      'usage: daemon-entry --home <dir> --port <1-65535> [--host ip] [--pricing json]',
    );
  }
  const pricing = values.pricing
    ? (JSON.parse(values.pricing) as Partial<LocalnetPricing>)
    : undefined;

  const localnet = await startLocalnet({ home: values.home, host: values.host, port, pricing });
  console.log(
    `${new Date().toISOString()} localnet listening on ${localnet.url} (pid ${process.pid})`,
  );

  const shutdown = (signal: NodeJS.Signals) => {
    console.log(`${new Date().toISOString()} ${signal}: closing the localnet`);
    localnet.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('localnet did not close cleanly:', err);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  console.error(`${new Date().toISOString()} localnet failed to start:`, err);
  process.exit(1);
});
