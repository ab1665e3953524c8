import { defineCommand, renderUsage, runCommand, type CommandDef } from './citty';
import { EXIT, exitCodeOf } from './errors';
import upload from './commands/upload';
import status from './commands/status';
import report from './commands/report';
import start from './commands/start';
import resume from './commands/resume';
import verify from './commands/verify';
import server from './commands/server';
import localnet from './commands/localnet';
import { cancel, pause, unpause } from './commands/control';
import accounts from './commands/accounts';
import estimate from './commands/estimate';
import schedule from './commands/schedule';

const VERSION = '0.1.0';

const main = defineCommand({
  meta: {
    name: 'shelby-batch',
    version: VERSION,
    description: 'Durable batch uploads to Shelby, on Temporal',
  },
  subCommands: {
    upload,
    estimate,
    status,
    report,
    start,
    resume,
    pause,
    unpause,
    cancel,
    verify,
    accounts,
    schedule,
    server,
    localnet,
  },
});

/** The (sub)command the arguments name, with its parent, for help text. */
async function resolveCommand(rawArgs: string[]): Promise<[CommandDef, CommandDef | undefined]> {
  let command = main as CommandDef;
  let parent: CommandDef | undefined;
  for (const arg of rawArgs) {
    if (arg.startsWith('-')) continue;
    const subCommands = (await command.subCommands) as Record<string, CommandDef> | undefined;
    if (!subCommands?.[arg]) break;
    parent = command;
    command = subCommands[arg];
  }
  return [command, parent];
}

interface ArgDef {
  type?: string;
  alias?: string | string[];
}

/**
 * Refuses options the command does not declare, and string options given no value: the parser
 * would otherwise take an unknown `--flag` as wanting the next word, and that word (a path, say)
 * would be silently dropped.
 */
async function checkOptions(command: CommandDef, rawArgs: string[]): Promise<string | undefined> {
  const defs = ((await command.args) ?? {}) as Record<string, ArgDef>;
  const byName = new Map<string, ArgDef>();
  for (const [name, def] of Object.entries(defs)) {
    if (def.type === 'positional') continue;
    byName.set(name, def);
    for (const alias of [def.alias ?? []].flat()) byName.set(alias, def);
  }
  const seen = new Set<ArgDef>();
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i];
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-') continue;
    const [flag, inline] = arg.replace(/^--?/, '').split(/=(.*)/s);
    const def =
      byName.get(flag) ?? (flag.startsWith('no-') ? byName.get(flag.slice(3)) : undefined);
    const option = arg.split('=')[0];
    if (!def || (flag.startsWith('no-') && !byName.has(flag) && def.type !== 'boolean')) {
      return `unknown option ${option}`;
    }
    if (def.type === 'boolean' && inline !== undefined) return `${option} takes no value`;
    if (def.type === 'string' && seen.has(def)) return `${option} is given more than once`;
    seen.add(def);
    if (def.type === 'string' && inline === undefined) {
      const next = rawArgs[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-')) {
        return `${arg} needs a value (write ${arg}=VALUE for a value that starts with "-")`;
      }
      i++;
    }
  }
  return undefined;
}

async function run(rawArgs: string[]): Promise<void> {
  if (rawArgs.includes('--help') || rawArgs.includes('-h') || rawArgs.length === 0) {
    process.stdout.write((await renderUsage(...(await resolveCommand(rawArgs)))) + '\n');
    return;
  }
  if (rawArgs.length === 1 && rawArgs[0] === '--version') {
    process.stdout.write(VERSION + '\n');
    return;
  }
  const [command, parent] = await resolveCommand(rawArgs);
  const problem = command.run ? await checkOptions(command, rawArgs) : undefined;
  if (problem) {
    const names = [parent, command]
      .map((c) => (c && c !== main ? ((c.meta ?? {}) as { name?: string }).name : undefined))
      .filter(Boolean);
    process.stderr.write(
      `shelby-batch: ${problem}; see \`shelby-batch ${names.join(' ')} --help\`\n`,
    );
    process.exitCode = EXIT.BAD_INPUT;
    return;
  }
  try {
    await runCommand(main as CommandDef, { rawArgs });
  } catch (error) {
    // citty's own errors are usage errors: say which, then how to call the command.
    if (error instanceof Error && error.name === 'CLIError') {
      process.stderr.write(`shelby-batch: ${error.message}\n`);
      process.stderr.write((await renderUsage(...(await resolveCommand(rawArgs)))) + '\n');
      process.exitCode = EXIT.BAD_INPUT;
      return;
    }
    throw error;
  }
}

// A reader that stops early (`report … | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.OK);
  throw error;
});

run(process.argv.slice(2)).then(
  // Exit explicitly: open gRPC channels and timers must not keep a finished command alive.
  () => process.exit(process.exitCode ?? EXIT.OK),
  (error: unknown) => {
    process.stderr.write(
      `shelby-batch: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(exitCodeOf(error));
  },
);
