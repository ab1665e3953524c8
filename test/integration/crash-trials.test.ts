import { spawn } from 'node:child_process';
import * as path from 'node:path';

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'crash-trials.js');

/** Runs the crash-trial script to its end and returns its exit code and output. */
function runCrashTrials(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: 'pipe' });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('crash trials (short run)', () => {
  test('two SIGKILL trials, a dev server restart and a localnet restart lose nothing and pay once', async () => {
    const { code, output } = await runCrashTrials([
      '--trials',
      '2',
      '--server-restarts',
      '1',
      '--localnet-restarts',
      '1',
      '--faults',
      'none',
      '--small-files',
      '40',
      '--large-files',
      '1',
      '--seed',
      '20261204',
    ]);
    // Trial lines, and the problems printed under a failed one (notes are not failures).
    const trialLines = output
      .split('\n')
      .filter((line) => /^#\d+ /.test(line) || /^ {6}(?!note:)\S/.test(line));

    expect({ code, trialLines }).toEqual({
      code: 0,
      trialLines: [
        expect.stringMatching(
          /^#01 kill +ok +43\/43 uploaded, lost 0, duplicates 0, double payments 0, failed tx 0, verify ok/,
        ),
        expect.stringMatching(
          /^#02 kill +ok +43\/43 uploaded, lost 0, duplicates 0, double payments 0, failed tx 0, verify ok/,
        ),
        expect.stringMatching(
          /^#03 server +ok +43\/43 uploaded, lost 0, duplicates 0, double payments 0, failed tx 0, verify ok.*server-restart@/,
        ),
        expect.stringMatching(
          /^#04 localnet +ok +43\/43 uploaded, lost 0, duplicates 0, double payments 0, failed tx 0, verify ok.*localnet-restart@/,
        ),
      ],
    });
    expect(output).toContain('no file lost, none duplicated, nothing paid twice');
  }, 900_000);
});
