import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  findTemporalBinary,
  lookupTemporalBinary,
  requireTemporalBinary,
  type TemporalBinaryLookupOptions,
} from '../../src/temporal/binary';
import { TemporalBinaryNotFoundError } from '../../src/temporal/errors';

// The install script is plain CommonJS run before any build; it must agree with the module.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const script = require('../../scripts/ensure-temporal.js') as {
  lookupTemporalBinary(options: TemporalBinaryLookupOptions): { path?: string; source?: string };
};

describe('temporal binary lookup', () => {
  let root: string;
  let project: string;
  let onPath: string;
  let explicit: string;

  /** Makes an executable (or not) file named like the CLI. */
  const makeBinary = (dir: string, mode = 0o755, name = 'temporal'): string => {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, name);
    fs.writeFileSync(file, '#!/bin/sh\n');
    fs.chmodSync(file, mode);
    return file;
  };

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-binary-'));
    project = path.join(root, 'project');
    onPath = path.join(root, 'path-bin');
    explicit = path.join(root, 'explicit', 'temporal');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const lookups = (env: NodeJS.ProcessEnv) => {
    const options = { env, projectRoot: project, platform: 'linux' as const };
    return [lookupTemporalBinary(options), script.lookupTemporalBinary(options)];
  };

  it('prefers TEMPORAL_CLI_PATH, then PATH, then the project build', () => {
    const fromProject = makeBinary(path.join(project, '.tools', 'bin'));
    const fromPath = makeBinary(onPath);
    makeBinary(path.dirname(explicit));
    const PATH = [path.join(root, 'empty'), onPath].join(':');

    for (const found of lookups({ PATH, TEMPORAL_CLI_PATH: explicit })) {
      expect(found).toEqual({ path: explicit, source: 'TEMPORAL_CLI_PATH' });
    }
    for (const found of lookups({ PATH })) {
      expect(found).toEqual({ path: fromPath, source: 'PATH' });
    }
    for (const found of lookups({ PATH: path.join(root, 'empty') })) {
      expect(found).toEqual({ path: fromProject, source: 'project' });
    }
  });

  it('reports a TEMPORAL_CLI_PATH that is not executable instead of falling back', () => {
    makeBinary(onPath);
    makeBinary(path.dirname(explicit), 0o644);
    for (const found of lookups({ PATH: onPath, TEMPORAL_CLI_PATH: explicit })) {
      expect(found.path).toBeUndefined();
      expect(found).toMatchObject({ problem: expect.stringContaining('not an executable file') });
    }
  });

  it('skips non-executable files, folders and relative PATH entries', () => {
    makeBinary(path.join(root, 'noexec'), 0o644);
    fs.mkdirSync(path.join(root, 'dir', 'temporal'), { recursive: true });
    const PATH = ['', '.', 'relative', path.join(root, 'noexec'), path.join(root, 'dir')].join(':');
    for (const found of lookups({ PATH })) expect(found.path).toBeUndefined();
  });

  it('looks for temporal.exe on Windows', () => {
    const exe = makeBinary(onPath, 0o644, 'temporal.exe');
    const found = lookupTemporalBinary({
      env: { Path: onPath.replace(/:/g, ';') },
      projectRoot: project,
      platform: 'win32',
    });
    expect(found).toEqual({ path: exe, source: 'PATH' });
  });

  it('requireTemporalBinary throws a typed error with install instructions', () => {
    const options = { env: { PATH: '' }, projectRoot: project };
    expect(findTemporalBinary(options)).toBeUndefined();
    expect(() => requireTemporalBinary(options)).toThrow(TemporalBinaryNotFoundError);
    expect(() => requireTemporalBinary(options)).toThrow(
      /TEMPORAL_CLI_PATH.*go install|ensure-temporal/s,
    );
  });
});
