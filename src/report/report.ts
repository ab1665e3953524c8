import * as fs from 'node:fs';
import { once } from 'node:events';
import type { FileResult } from '../batch/types';
import { batchPaths } from '../batch/paths';
import { readManifestPage, readSummary, skipIsFailure } from '../manifest/manifest';
import { ResultsStore } from './results';
import { readSentRegistrations } from './sent';

/** Counts over a whole report. */
export interface ReportCounts {
  files: number;
  uploaded: number;
  skipped: number;
  failed: number;
  pending: number;
  bytes: number;
  registered: number;
}

/**
 * Walks a batch's manifest page by page and yields each file's latest outcome; files with no
 * outcome yet are yielded as `pending`. Memory stays at one page whatever the batch size.
 */
export async function* batchOutcomes(stateDir: string, batchId: string): AsyncGenerator<Outcome> {
  const paths = batchPaths(stateDir, batchId);
  const summary = await readSummary(paths.manifest);
  if (!summary) return;
  const results = new ResultsStore(paths.results, summary.pageSize);
  const sent = readSentRegistrations(paths.dir);
  for (let page = 0; page < summary.pages; page++) {
    const outcomes = await results.readPage(page);
    for (const entry of await readManifestPage(paths.manifest, page)) {
      const base = { index: entry.index, path: entry.path, name: entry.name, size: entry.size };
      if (entry.skip) {
        // Unreadable or badly named files are failures to fix and retry; symlinks are policy.
        yield {
          ...base,
          status: skipIsFailure(entry.skip.reason) ? 'failed' : 'skipped',
          error: { type: entry.skip.reason, message: entry.skip.detail },
        };
        continue;
      }
      const outcome = outcomes.get(entry.index);
      if (outcome) {
        yield outcome;
        continue;
      }
      // Cut off after its registration went out: it may be paid for, with its data not sent.
      const registration = sent.get(entry.index);
      yield registration
        ? {
            ...base,
            status: 'pending',
            ...(registration.account ? { account: registration.account } : {}),
            ...(registration.txHash
              ? {
                  txHash: registration.txHash,
                  note: 'a registration transaction was sent for this file; its data upload did not finish',
                }
              : {
                  note: 'a registration transaction may have been sent for this file (cut off before the node gave its hash); its data upload did not finish',
                }),
          }
        : { ...base, status: 'pending' };
    }
  }
}

type Outcome = FileResult | (Omit<FileResult, 'status'> & { status: 'pending'; note?: string });

function emptyCounts(): ReportCounts {
  return { files: 0, uploaded: 0, skipped: 0, failed: 0, pending: 0, bytes: 0, registered: 0 };
}

/** Adds one file's outcome to the counts. */
function tally(counts: ReportCounts, outcome: Outcome): void {
  counts.files++;
  counts[outcome.status]++;
  if (outcome.status === 'uploaded') {
    counts.bytes += outcome.size;
    if (outcome.registered) counts.registered++;
  }
}

/** Writes `report.json` for a batch (streamed) and returns its counts. */
export async function writeReport(
  stateDir: string,
  batchId: string,
  meta: Record<string, unknown>,
): Promise<{ path: string; counts: ReportCounts }> {
  const paths = batchPaths(stateDir, batchId);
  const counts = emptyCounts();
  const temporary = `${paths.report}.tmp`;
  const out = fs.createWriteStream(temporary);
  let failure: Error | undefined;
  out.on('error', (error) => (failure = error));
  const write = async (text: string): Promise<void> => {
    if (failure) throw failure;
    if (!out.write(text)) await Promise.race([once(out, 'drain'), once(out, 'error')]);
  };
  await write(`{"batchId":${JSON.stringify(batchId)},"meta":${JSON.stringify(meta)},"files":[\n`);
  let first = true;
  for await (const outcome of batchOutcomes(stateDir, batchId)) {
    tally(counts, outcome);
    await write((first ? '' : ',\n') + JSON.stringify(outcome));
    first = false;
  }
  await write(`\n],"counts":${JSON.stringify(counts)}}\n`);
  out.end();
  if (!failure) await Promise.race([once(out, 'finish'), once(out, 'error')]);
  if (failure) throw failure;
  await fs.promises.rename(temporary, paths.report);
  return { path: paths.report, counts };
}

/** Counts a batch's outcomes from the state folder, for `status` when no worker answers. */
export async function countOutcomes(stateDir: string, batchId: string): Promise<ReportCounts> {
  const counts = emptyCounts();
  for await (const outcome of batchOutcomes(stateDir, batchId)) tally(counts, outcome);
  return counts;
}
