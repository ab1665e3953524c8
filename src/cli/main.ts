import { defineCommand, runMain } from './citty';
import { exitCodeOf } from './errors';
import upload from './commands/upload';
import status from './commands/status';
import report from './commands/report';
import start from './commands/start';
import resume from './commands/resume';
import verify from './commands/verify';
import server from './commands/server';
import localnet from './commands/localnet';
import { cancel, pause, unpause } from './commands/control';

const main = defineCommand({
  meta: {
    name: 'shelby-batch',
    version: '0.1.0',
    description: 'Durable batch uploads to Shelby, on Temporal',
  },
  subCommands: {
    upload,
    status,
    report,
    start,
    resume,
    pause,
    unpause,
    cancel,
    verify,
    server,
    localnet,
  },
});

// citty prints usage errors itself; everything else is one line and a documented exit code.
process.on('unhandledRejection', (error) => {
  process.stderr.write(`shelby-batch: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(exitCodeOf(error));
});

runMain(main).catch((error: unknown) => {
  process.stderr.write(`shelby-batch: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(exitCodeOf(error));
});
