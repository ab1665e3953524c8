import * as path from 'node:path';

/** Where a batch keeps its manifest, results and report under the state folder. */
export interface BatchPaths {
  dir: string;
  manifest: string;
  results: string;
  report: string;
}

/** Paths of one batch's files; batch ids are validated so they cannot escape the state folder. */
export function batchPaths(stateDir: string, batchId: string): BatchPaths {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(batchId)) {
    throw new Error(`invalid batch id "${batchId}": use letters, digits, '.', ':', '_' and '-'`);
  }
  const dir = path.join(stateDir, 'batches', batchId);
  return {
    dir,
    manifest: path.join(dir, 'manifest'),
    results: path.join(dir, 'results'),
    report: path.join(dir, 'report.json'),
  };
}

/** A readable, sortable batch id: `batch-20261204-155542-3fa1`. */
export function newBatchId(now: Date, random: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `batch-${stamp}-${random}`;
}
