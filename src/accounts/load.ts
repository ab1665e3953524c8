import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A worker's upload groups in flight per account address, shared through the state folder. */
const FRESH_MS = 30_000;

/**
 * Counts this process's uploads in flight per account and publishes them under
 * `<state>/load/`, so `least-loaded` can see the work of every batch and worker sharing the
 * state folder. A file not refreshed for 30 s belongs to a dead worker and is ignored.
 */
export class AccountLoad {
  private readonly counts = new Map<string, number>();
  private readonly file: string;
  private timer?: NodeJS.Timeout;

  constructor(private readonly stateDir: string) {
    this.file = path.join(stateDir, 'load', `${os.hostname()}-${process.pid}.json`);
  }

  /** Records `files` more (or fewer, when negative) in flight for `address`. */
  add(address: string, files: number): void {
    this.counts.set(address, (this.counts.get(address) ?? 0) + files);
    if (this.counts.get(address)! <= 0) this.counts.delete(address);
    this.publish();
    this.timer ??= setInterval(() => this.publish(), FRESH_MS / 3);
    this.timer.unref();
  }

  private publish(): void {
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.writeFileSync(this.file, JSON.stringify(Object.fromEntries(this.counts)));
    } catch {
      // Load is advisory: a read-only or full state folder must not fail an upload.
    }
  }

  /** Removes this process's entry (worker shutdown). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    fs.rmSync(this.file, { force: true });
  }
}

/** Files in flight per account address across every live worker sharing the state folder. */
export function readAccountLoad(stateDir: string, now = Date.now()): Map<string, number> {
  const dir = path.join(stateDir, 'load');
  const total = new Map<string, number>();
  if (!fs.existsSync(dir)) return total;
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    try {
      if (now - fs.statSync(file).mtimeMs > FRESH_MS) continue;
      const counts = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, number>;
      for (const [address, n] of Object.entries(counts))
        total.set(address, (total.get(address) ?? 0) + n);
    } catch {
      // A file being rewritten: skip it this time.
    }
  }
  return total;
}
