import * as path from 'node:path';
import { defineCommand } from '../citty';
import { localnetStatus, stopLocalnet } from '../../localnet/daemon';
import { startLocalnet } from '../../localnet/server';
import { readConfig, shelbyEndpoints } from '../context';
import { commonArgs } from './common';

const portArg = {
  port: { type: 'string', description: 'Port (default: config network.localnet.port)' },
} as const;

const run = defineCommand({
  meta: { name: 'run', description: 'Run the localnet in the foreground (Ctrl-C stops it)' },
  args: { ...commonArgs, ...portArg },
  async run({ args }) {
    const config = readConfig(args.config);
    const port = Number(args.port ?? config.network.localnet.port);
    const localnet = await startLocalnet({
      home: path.join(config.stateDir, 'localnet'),
      port,
      pricing: config.network.localnet.pricing,
    });
    for (const account of config.accounts.filter((a) => a.balance)) {
      await fetch(`${localnet.url}/localnet/fund`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ address: account.address, ...account.balance, onlyIfNew: true }),
      });
    }
    process.stdout.write(
      `Shelby localnet listening on ${localnet.url} (state in ${config.stateDir}/localnet)\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await localnet.close();
  },
});

const start = defineCommand({
  meta: {
    name: 'start',
    description: 'Start the localnet in the background and fund the config accounts on first start',
  },
  args: { ...commonArgs },
  async run({ args }) {
    const config = readConfig(args.config);
    const endpoints = await shelbyEndpoints(
      { ...config, network: { ...config.network, name: 'local' } },
      true,
    );
    process.stdout.write(`Shelby localnet at ${endpoints.localnetUrl}\n`);
  },
});

const stop = defineCommand({
  meta: { name: 'stop', description: 'Stop the background localnet of this state folder' },
  args: { ...commonArgs },
  async run({ args }) {
    const config = readConfig(args.config);
    const stopped = await stopLocalnet(config.stateDir);
    process.stdout.write(
      stopped ? 'localnet stopped\n' : 'no localnet was running from this state folder\n',
    );
  },
});

const status = defineCommand({
  meta: { name: 'status', description: 'Say whether the localnet runs' },
  args: { ...commonArgs, json: { type: 'boolean', default: false, description: 'Print JSON' } },
  async run({ args }) {
    const config = readConfig(args.config);
    const s = await localnetStatus(config.stateDir, config.network.localnet.port);
    process.stdout.write((args.json ? JSON.stringify(s) : JSON.stringify(s, null, 2)) + '\n');
  },
});

export default defineCommand({
  meta: {
    name: 'localnet',
    description: "The project's local Shelby network, for demos, tests and rehearsals",
  },
  subCommands: { run, start, stop, status },
});
