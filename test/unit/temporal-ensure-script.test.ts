import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SCRIPT = path.resolve(__dirname, '../../scripts/ensure-temporal.js');

describe('scripts/ensure-temporal.js', () => {
  let project: string;
  beforeEach(() => {
    // A copy of the script in an empty project, so .tools/bin is ours to fill or leave empty.
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'ensure-temporal-'));
    fs.mkdirSync(path.join(project, 'scripts'));
    fs.copyFileSync(SCRIPT, path.join(project, 'scripts', 'ensure-temporal.js'));
  });
  afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [path.join(project, 'scripts', 'ensure-temporal.js'), ...args], {
      // No PATH entries and no Go build: the test must never start a multi-minute compile.
      env: { PATH: '', SHELBY_BATCH_SKIP_TEMPORAL_BUILD: '1', ...env },
      encoding: 'utf8',
    });

  it('accepts the project build quickly', () => {
    const bin = path.join(project, '.tools', 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, 'temporal'), '#!/bin/sh\n', { mode: 0o755 });
    const started = Date.now();
    const result = run(['--require']);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(`${path.join(bin, 'temporal')} (project)`);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('only warns during npm install when no binary can be had, but fails with --require', () => {
    const install = run([]);
    expect(install.status).toBe(0);
    expect(install.stderr).toMatch(/warning: No Temporal CLI binary found.*TEMPORAL_CLI_PATH/s);

    const ci = run(['--require']);
    expect(ci.status).toBe(1);
    expect(ci.stderr).toMatch(/error: .*go install|error: .*ensure-temporal/s);
  });

  it('reports a TEMPORAL_CLI_PATH that points nowhere', () => {
    const result = run(['--require'], { TEMPORAL_CLI_PATH: path.join(project, 'missing') });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('which is not an executable file');
  });
});
