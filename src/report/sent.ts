import * as fs from 'node:fs';
import * as path from 'node:path';

/** A registration sent for a file whose upload has not recorded an outcome. */
export interface SentFor {
  /** Absent when the attempt was cut off before the node answered with the hash. */
  txHash?: string;
  account?: string;
}

/**
 * The registrations a batch's upload groups sent and did not yet settle, by file index: each group
 * keeps them in `registrations/<first index>.json` from before its transaction goes out until its
 * results are recorded, so what is left belongs to groups that were cut off (killed, cancelled).
 * Few files, one per group in flight at the time.
 */
export function readSentRegistrations(batchDir: string): Map<number, SentFor> {
  const found = new Map<number, SentFor>();
  const dir = path.join(batchDir, 'registrations');
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return found;
  }
  for (const name of names) {
    let records: { indices?: number[]; account?: string; tx?: { hash?: string } }[];
    try {
      records = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
    } catch {
      continue; // being replaced by its group, or damaged: it only adds detail to the report
    }
    if (!Array.isArray(records)) continue;
    for (const record of records) {
      if (!Array.isArray(record?.indices)) continue;
      for (const index of record.indices) {
        const earlier = found.get(index);
        // A record with a hash says more than one without.
        if (earlier?.txHash && !record.tx?.hash) continue;
        found.set(index, { txHash: record.tx?.hash, account: record.account });
      }
    }
  }
  return found;
}
