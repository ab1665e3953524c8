import * as fs from 'node:fs';
import { defineCommand } from '../citty';
import { batchPaths } from '../../batch/paths';
import { batchOutcomes } from '../../report/report';
import { readConfig } from '../context';
import { CliError } from '../errors';
import { commonArgs } from './common';

const CSV_COLUMNS = [
  'index',
  'status',
  'path',
  'name',
  'size',
  'account',
  'merkleRoot',
  'txHash',
  'registered',
  'written',
  'attempts',
  'errorType',
  'error',
] as const;

function csvCell(value: unknown): string {
  const text =
    value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export default defineCommand({
  meta: { name: 'report', description: "Print a batch's per-file report (JSON or CSV)" },
  args: {
    ...commonArgs,
    batchId: { type: 'positional', description: 'The batch id', required: true },
    format: { type: 'string', description: 'json or csv', default: 'json' },
  },
  async run({ args }) {
    if (args.format !== 'json' && args.format !== 'csv')
      throw new CliError(`--format must be json or csv, got "${args.format}"`);
    const config = readConfig(args.config);
    const paths = batchPaths(config.stateDir, args.batchId);
    if (!fs.existsSync(paths.manifest))
      throw new CliError(`no batch ${args.batchId} under ${config.stateDir}`);
    if (args.format === 'json' && fs.existsSync(paths.report)) {
      await new Promise<void>((resolve, reject) =>
        fs
          .createReadStream(paths.report)
          .on('error', reject)
          .on('end', resolve)
          .pipe(process.stdout, { end: false }),
      );
      return;
    }
    if (args.format === 'csv') process.stdout.write(CSV_COLUMNS.join(',') + '\n');
    else
      process.stdout.write(`{"batchId":${JSON.stringify(args.batchId)},"partial":true,"files":[\n`);
    let first = true;
    for await (const outcome of batchOutcomes(config.stateDir, args.batchId)) {
      if (args.format === 'csv') {
        const row = outcome as unknown as Record<string, unknown>;
        process.stdout.write(
          CSV_COLUMNS.map((c) =>
            csvCell(
              c === 'error'
                ? (row.error as { message?: string } | undefined)?.message
                : c === 'errorType'
                  ? (row.error as { type?: string } | undefined)?.type
                  : row[c],
            ),
          ).join(',') + '\n',
        );
      } else {
        process.stdout.write((first ? '' : ',\n') + JSON.stringify(outcome));
        first = false;
      }
    }
    if (args.format === 'json') process.stdout.write('\n]}\n');
  },
});
