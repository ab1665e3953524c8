import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { FileResult } from '../batch/types';

/**
 * Per-file outcomes of a batch, as JSON lines sharded like the manifest pages.
 *
 * Results are appended, never rewritten: an activity retried after a crash appends again, and the
 * last line for an index wins. One `appendFile` per line keeps lines whole under concurrent writers.
 */
export class ResultsStore {
  constructor(
    private readonly dir: string,
    private readonly pageSize: number,
  ) {}

  private pageFile(page: number): string {
    return path.join(this.dir, `page-${String(page).padStart(6, '0')}.jsonl`);
  }

  /** Records outcomes; safe to call from several activities at once. */
  async append(results: readonly FileResult[]): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    const byPage = new Map<number, string[]>();
    for (const result of results) {
      const page = Math.floor(result.index / this.pageSize);
      const line = JSON.stringify({ ...result, at: result.at ?? new Date().toISOString() });
      byPage.set(page, [...(byPage.get(page) ?? []), line]);
    }
    for (const [page, lines] of byPage) {
      for (const line of lines) await fs.promises.appendFile(this.pageFile(page), line + '\n');
    }
  }

  /** The latest outcome per index for one page. */
  async readPage(page: number): Promise<Map<number, FileResult>> {
    const latest = new Map<number, FileResult>();
    const file = this.pageFile(page);
    if (!fs.existsSync(file)) return latest;
    const lines = readline.createInterface({
      input: fs.createReadStream(file),
      crlfDelay: Infinity,
    });
    for await (const line of lines) {
      if (!line.trim()) continue;
      try {
        const result = JSON.parse(line) as FileResult;
        latest.set(result.index, result);
      } catch {
        // A torn last line after a crash: the activity that wrote it is retried and writes it again.
      }
    }
    return latest;
  }

  /** Latest outcomes for the given indexes. */
  async read(indices: readonly number[]): Promise<Map<number, FileResult>> {
    const pages = new Set(indices.map((index) => Math.floor(index / this.pageSize)));
    const wanted = new Set(indices);
    const found = new Map<number, FileResult>();
    for (const page of pages) {
      for (const [index, result] of await this.readPage(page)) {
        if (wanted.has(index)) found.set(index, result);
      }
    }
    return found;
  }
}
