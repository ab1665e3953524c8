import { defineCommand } from '../citty';
import { devServerStatus, startDevServer, stopDevServer } from '../../temporal/dev-server';
import { readConfig } from '../context';
import { commonArgs } from './common';

const start = defineCommand({
  meta: { name: 'start', description: 'Start the embedded Temporal dev server in the background' },
  args: { ...commonArgs },
  async run({ args }) {
    const config = readConfig(args.config);
    const info = await startDevServer({
      stateDir: config.stateDir,
      address: config.temporal.address,
      namespace: config.temporal.namespace,
    });
    const verb = info.alreadyRunning ? 'already running' : 'started';
    process.stdout.write(
      `Temporal dev server ${verb} (pid ${info.pid}) at ${info.address}; Web UI ${info.uiUrl}\n`,
    );
  },
});

const stop = defineCommand({
  meta: { name: 'stop', description: 'Stop the dev server started from this state folder' },
  args: { ...commonArgs },
  async run({ args }) {
    const config = readConfig(args.config);
    const stopped = await stopDevServer(config.stateDir);
    process.stdout.write(
      stopped
        ? 'Temporal dev server stopped\n'
        : 'no dev server was running from this state folder\n',
    );
  },
});

const status = defineCommand({
  meta: { name: 'status', description: 'Say whether the dev server runs and Temporal answers' },
  args: { ...commonArgs, json: { type: 'boolean', default: false, description: 'Print JSON' } },
  async run({ args }) {
    const config = readConfig(args.config);
    const s = await devServerStatus(config.stateDir, config.temporal.address);
    if (args.json) return void process.stdout.write(JSON.stringify(s) + '\n');
    process.stdout.write(
      `${s.running ? `dev server running (pid ${s.pid})` : 'no dev server from this state folder'}; ` +
        `Temporal at ${s.address} ${s.reachable ? 'answers' : 'does not answer'}` +
        (s.uiUrl ? `; Web UI ${s.uiUrl}` : '') +
        '\n',
    );
  },
});

export default defineCommand({
  meta: { name: 'server', description: 'Manage the embedded Temporal dev server' },
  subCommands: { start, stop, status },
});
