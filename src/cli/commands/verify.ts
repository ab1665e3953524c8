import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { defineCommand } from '../citty';
import pLimit from 'p-limit';
import { batchOutcomes } from '../../report/report';
import { createShelbyClient } from '../../shelby/client';
import { readConfig, shelbyEndpoints } from '../context';
import { CliError, EXIT } from '../errors';
import { commonArgs } from './common';

async function sha256(
  stream: AsyncIterable<Buffer | Uint8Array>,
): Promise<{ hash: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    bytes += chunk.length;
    hash.update(chunk);
  }
  return { hash: hash.digest('hex'), bytes };
}

export default defineCommand({
  meta: {
    name: 'verify',
    description: 'Read every blob of a batch back from the network and compare it with its source',
  },
  args: {
    ...commonArgs,
    batchId: { type: 'positional', description: 'The batch id', required: true },
    concurrency: { type: 'string', description: 'Downloads at once', default: '8' },
    json: { type: 'boolean', description: 'Print the result as JSON', default: false },
  },
  async run({ args }) {
    const config = readConfig(args.config);
    const addresses = new Map(config.accounts.map((a) => [a.id, a.address]));
    const shelby = await createShelbyClient(await shelbyEndpoints(config, false));
    const concurrency = Number(args.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
      throw new CliError(`--concurrency "${args.concurrency}": give a whole number from 1 to 256`);
    }
    const limit = pLimit(concurrency);
    const mismatches: { name: string; path: string; problem: string }[] = [];
    let checked = 0;
    let seen = false;
    const pending: Promise<void>[] = [];
    let pendingFiles = 0;
    for await (const outcome of batchOutcomes(config.stateDir, args.batchId)) {
      seen = true;
      if (outcome.status === 'pending') pendingFiles++;
      if (outcome.status !== 'uploaded') continue;
      const address = addresses.get(outcome.account ?? '');
      if (!address) {
        mismatches.push({
          name: outcome.name,
          path: outcome.path,
          problem: `account ${outcome.account} is not in the config`,
        });
        continue;
      }
      pending.push(
        limit(async () => {
          try {
            const blob = await shelby.download({ account: address, blobName: outcome.name });
            const remote = await sha256(
              Readable.fromWeb(blob.readable as import('node:stream/web').ReadableStream),
            );
            const local = await sha256(fs.createReadStream(outcome.path));
            if (remote.bytes !== local.bytes || remote.hash !== local.hash) {
              mismatches.push({
                name: outcome.name,
                path: outcome.path,
                problem: `stored ${remote.bytes} bytes (sha256 ${remote.hash.slice(0, 12)}…), source has ${local.bytes} (sha256 ${local.hash.slice(0, 12)}…)`,
              });
            }
          } catch (error) {
            mismatches.push({
              name: outcome.name,
              path: outcome.path,
              problem: (error as Error).message,
            });
          }
          checked++;
        }),
      );
      if (pending.length >= 256) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    if (!seen) throw new CliError(`no batch ${args.batchId} under ${config.stateDir}`);
    if (args.json) {
      process.stdout.write(JSON.stringify({ batchId: args.batchId, checked, mismatches }) + '\n');
    } else {
      for (const m of mismatches)
        process.stdout.write(`MISMATCH ${m.name} (${m.path}): ${m.problem}\n`);
      process.stdout.write(
        `${checked} blob(s) checked, ${checked - mismatches.length} equal to their source, ${mismatches.length} mismatch(es)\n`,
      );
    }
    if (mismatches.length > 0) process.exitCode = EXIT.FILES_FAILED;
    else if (pendingFiles > 0) {
      process.stderr.write(
        `batch ${args.batchId} is not finished: ${pendingFiles} file(s) not uploaded yet were not checked\n`,
      );
      process.exitCode = EXIT.NOT_FINISHED;
    }
  },
});
