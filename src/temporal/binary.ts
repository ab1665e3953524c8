import * as fs from 'node:fs';
import * as path from 'node:path';

import { TemporalBinaryNotFoundError } from './errors';

/** The Temporal CLI release the project builds and tests against. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/** How to get a `temporal` binary, shown whenever none is found. */
export const TEMPORAL_INSTALL_HINT =
  'Set TEMPORAL_CLI_PATH to a Temporal CLI binary, put `temporal` on PATH ' +
  '(https://docs.temporal.io/cli#install), or install Go 1.25+ and run ' +
  '`node scripts/ensure-temporal.js` to build ' +
  `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION} into .tools/bin; ` +
  'or point temporal.address in the config at a running Temporal cluster.';

/** Where a binary was found, in search order. */
export type TemporalBinarySource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'project';

/** The outcome of a search: a binary, or why none could be used. */
export type TemporalBinaryLookup =
  { path: string; source: TemporalBinarySource } | { path: undefined; problem: string };

/** Inputs of the search, replaceable in tests. */
export interface TemporalBinaryLookupOptions {
  env?: NodeJS.ProcessEnv;
  /** The folder holding package.json; `.tools/bin` lives under it. */
  projectRoot?: string;
  platform?: NodeJS.Platform;
}

/** The project folder: two levels above this file both in `src/temporal` and `dist/temporal`. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Looks for the `temporal` CLI: `TEMPORAL_CLI_PATH`, then each `PATH` entry, then
 * `<project>/.tools/bin`. An explicit `TEMPORAL_CLI_PATH` that is not executable is reported
 * rather than silently skipped, since the user asked for that binary.
 */
export function lookupTemporalBinary(
  options: TemporalBinaryLookupOptions = {},
): TemporalBinaryLookup {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const exe = platform === 'win32' ? 'temporal.exe' : 'temporal';

  const explicit = env.TEMPORAL_CLI_PATH?.trim();
  if (explicit) {
    const resolved = path.resolve(explicit);
    if (isExecutableFile(resolved, platform))
      return { path: resolved, source: 'TEMPORAL_CLI_PATH' };
    return {
      path: undefined,
      problem: `TEMPORAL_CLI_PATH is set to ${resolved}, which is not an executable file.`,
    };
  }

  const pathVar = (platform === 'win32' ? (env.Path ?? env.PATH) : env.PATH) ?? '';
  const delimiter = platform === 'win32' ? ';' : ':';
  for (const dir of pathVar.split(delimiter)) {
    // An empty entry means the current folder; never pick up a binary from wherever we run.
    if (dir === '' || !path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, exe);
    if (isExecutableFile(candidate, platform)) return { path: candidate, source: 'PATH' };
  }

  const local = path.join(projectRoot, '.tools', 'bin', exe);
  if (isExecutableFile(local, platform)) return { path: local, source: 'project' };

  return { path: undefined, problem: 'No Temporal CLI binary found.' };
}

/** The `temporal` binary to run, or undefined when there is none (see {@link lookupTemporalBinary}). */
export function findTemporalBinary(options?: TemporalBinaryLookupOptions): string | undefined {
  return lookupTemporalBinary(options).path;
}

/**
 * The `temporal` binary to run.
 * @throws {@link TemporalBinaryNotFoundError} with install instructions when there is none.
 */
export function requireTemporalBinary(options?: TemporalBinaryLookupOptions): string {
  const found = lookupTemporalBinary(options);
  if (found.path === undefined)
    throw new TemporalBinaryNotFoundError(found.problem, TEMPORAL_INSTALL_HINT);
  return found.path;
}

function isExecutableFile(file: string, platform: NodeJS.Platform): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
