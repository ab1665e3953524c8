import { transformFileSync } from '@swc/core';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

let compiledDir: string | undefined;

/**
 * Compiles every test/helpers/commitments-*.ts helper to CommonJS in a temporary folder whose
 * `node_modules` points at the project's. Jest cannot load the ESM-only SDK, so the equality
 * checks run there, in plain node, against the compiled engine in dist/.
 */
function compileHelpers(): string {
  if (compiledDir !== undefined && fs.existsSync(compiledDir)) return compiledDir;
  if (!fs.existsSync(path.join(ROOT, 'dist', 'commitments', 'worker.js'))) {
    throw new Error('dist/commitments is missing; run "npm run build" before these tests.');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shelby-commitments-helpers-'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  for (const name of fs.readdirSync(__dirname)) {
    if (!/^commitments-.*\.ts$/.test(name) || name === 'commitments-child.ts') continue;
    const { code } = transformFileSync(path.join(__dirname, name), {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      // Keep import() as is: it is how CommonJS reaches the ESM-only SDK.
      module: { type: 'commonjs', ignoreDynamic: true },
      sourceMaps: false,
      swcrc: false,
    });
    fs.writeFileSync(path.join(dir, name.replace(/\.ts$/, '.js')), code);
  }
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  compiledDir = dir;
  return dir;
}

/**
 * Runs a compiled commitments helper with node and returns the JSON object on the last line of
 * its output. The helper finds the engine through the project root passed as its first argument.
 */
export async function runCommitmentsHelper<T>(
  helper: string,
  args: string[] = [],
  timeoutMs = 20 * 60_000,
): Promise<T> {
  const script = path.join(compileHelpers(), `${helper}.js`);
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [script, ROOT, ...args],
      { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs },
      (error, out, err) =>
        error ? reject(new Error(`${helper} failed: ${error.message}\n${err}`)) : resolve(out),
    );
  });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
