import * as fs from 'node:fs';

import { LocalnetStateError } from './journal';

/**
 * One localnet per state folder: two processes appending to the same journal would corrupt it.
 * The lock file holds the owner's pid; a lock left by a process that no longer runs is taken over.
 */

function isRunning(pid: number): boolean {
  try {
    // Signal 0 only asks whether the process exists.
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock at `file` for this process, or throws naming the process that holds it. */
export function acquireLock(file: string): () => void {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
        throw new LocalnetStateError(
          `Another localnet (pid ${holder}) is using ${file}; stop it or choose another home folder.`,
        );
      }
      if (holder === process.pid) {
        throw new LocalnetStateError(
          `This process already runs a localnet on ${file}; close it before starting another on the same home.`,
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new LocalnetStateError(
    `Could not take the localnet lock ${file}; remove it if no localnet runs.`,
  );
}
