import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { defineCommand } from '../citty';
import { CliError, EXIT } from '../errors';
import type { Config } from '../../config/schema';
import { localnetStatus, stopLocalnet } from '../../localnet/daemon';
import { FaultRulesError } from '../../localnet/fault-rules';
import { startLocalnet, type FaultsView } from '../../localnet/server';
import { readConfig, shelbyEndpoints } from '../context';
import { commonArgs } from './common';

const portArg = {
  port: { type: 'string', description: 'Port (default: config network.localnet.port)' },
} as const;

const faultsArg = {
  faults: {
    type: 'string',
    description: 'Fault rules to inject, a YAML or JSON file (see docs/faults.md)',
  },
} as const;

/** Reads a fault rule file for sending to a running localnet, which validates the rules. */
function readRulesFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(
      `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}); check the path`,
    );
  }
  try {
    return /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not valid YAML or JSON: ${(error as Error).message}`);
  }
}

/** Replaces the fault rules of the localnet at `url`; `[]` clears them. */
async function sendFaults(url: string, rules: unknown): Promise<FaultsView> {
  let response: Response;
  try {
    response = await fetch(`${url}/localnet/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rules),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new CliError(
      `no localnet answers at ${url} (${(error as Error).message}); start it with \`shelby-batch localnet start\``,
      EXIT.UNREACHABLE,
    );
  }
  const body = (await response.json().catch(() => ({}))) as FaultsView & { message?: string };
  if (!response.ok) throw new CliError(body.message ?? `the localnet answered ${response.status}`);
  return body;
}

function printFaults(view: FaultsView, asJson: boolean): void {
  if (asJson) {
    process.stdout.write(JSON.stringify(view) + '\n');
    return;
  }
  if (view.rules.length === 0) {
    process.stdout.write('no fault rules\n');
    return;
  }
  process.stdout.write(`fault rules (from ${view.source}):\n`);
  for (const { matched, fired, ...rule } of view.rules) {
    process.stdout.write(`  ${JSON.stringify(rule)}  matched ${matched}, fired ${fired}\n`);
  }
}

function localnetUrl(config: Config): string {
  return `http://127.0.0.1:${config.network.localnet.port}`;
}

const run = defineCommand({
  meta: { name: 'run', description: 'Run the localnet in the foreground (Ctrl-C stops it)' },
  args: { ...commonArgs, ...portArg, ...faultsArg },
  async run({ args }) {
    const config = readConfig(args.config);
    const port = Number(args.port ?? config.network.localnet.port);
    const localnet = await startLocalnet({
      home: path.join(config.stateDir, 'localnet'),
      port,
      pricing: config.network.localnet.pricing,
      faultsFile: args.faults,
    }).catch((error: unknown) => {
      if (error instanceof FaultRulesError) throw new CliError(error.message);
      throw error;
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
    const faults = localnet.faults.view();
    if (faults.rules.length > 0) {
      process.stdout.write(`${faults.rules.length} fault rule(s) from ${faults.source}\n`);
    }
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
    description:
      'Start the localnet in the background (or reuse it) and fund the config accounts on first start',
  },
  args: { ...commonArgs, ...faultsArg },
  async run({ args }) {
    const config = readConfig(args.config);
    const rules = args.faults ? readRulesFile(args.faults) : undefined;
    const url = await startBackground(config);
    process.stdout.write(`Shelby localnet at ${url}\n`);
    // Rules sent at run time last until the localnet stops; faults.yaml in its home outlives restarts.
    if (rules !== undefined) printFaults(await sendFaults(url, rules), false);
  },
});

async function startBackground(config: Config): Promise<string> {
  const endpoints = await shelbyEndpoints(
    { ...config, network: { ...config.network, name: 'local' } },
    true,
  );
  return endpoints.localnetUrl!;
}

const restart = defineCommand({
  meta: {
    name: 'restart',
    description:
      'Stop the background localnet and start it again; its ledger, blobs and uploads in progress are kept',
  },
  args: { ...commonArgs },
  async run({ args }) {
    const config = readConfig(args.config);
    const stopped = await stopLocalnet(config.stateDir);
    const url = await startBackground(config);
    process.stdout.write(`localnet ${stopped ? 'restarted' : 'started'} at ${url}\n`);
  },
});

const faults = defineCommand({
  meta: {
    name: 'faults',
    description:
      'Show the fault rules of the running localnet, replace them from a file, or clear them',
  },
  args: {
    ...commonArgs,
    file: { type: 'positional', required: false, description: 'YAML or JSON rule file' },
    clear: { type: 'boolean', default: false, description: 'Remove every rule' },
    json: { type: 'boolean', default: false, description: 'Print JSON' },
  },
  async run({ args }) {
    const config = readConfig(args.config);
    const url = localnetUrl(config);
    if (args.clear && args.file) throw new CliError('give a rule file or --clear, not both');
    if (args.clear || args.file) {
      const rules = args.clear ? [] : readRulesFile(args.file!);
      printFaults(await sendFaults(url, rules), args.json);
      return;
    }
    let response: Response;
    try {
      response = await fetch(`${url}/localnet/faults`, { signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new CliError(
        `no localnet answers at ${url} (${(error as Error).message}); start it with \`shelby-batch localnet start\``,
        EXIT.UNREACHABLE,
      );
    }
    if (!response.ok) throw new CliError(`the localnet at ${url} answered ${response.status}`);
    printFaults((await response.json()) as FaultsView, args.json);
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
  subCommands: { run, start, stop, restart, status, faults },
});
