#!/usr/bin/env node
'use strict';
/**
 * Makes sure a Temporal CLI binary is available for the embedded dev server and the tests.
 *
 * Search order (same as src/temporal/binary.ts): TEMPORAL_CLI_PATH, PATH, <project>/.tools/bin.
 * When none is found and Go is installed, builds the pinned release into <project>/.tools/bin.
 *
 * Runs from `npm install` (the `prepare` script), where a missing binary only warns: a user who
 * points shelby-batch at a remote cluster never needs one. `--require` (used by .ci/run) turns
 * the warning into a failure. SHELBY_BATCH_SKIP_TEMPORAL_BUILD=1 skips the Go build.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const TEMPORAL_CLI_VERSION = 'v1.5.1';
const TEMPORAL_CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;
const PROJECT_ROOT = path.resolve(__dirname, '..');

const INSTALL_HINT =
  'Set TEMPORAL_CLI_PATH to a Temporal CLI binary, put `temporal` on PATH ' +
  '(https://docs.temporal.io/cli#install), or install Go 1.25+ and run ' +
  '`node scripts/ensure-temporal.js` to build ' +
  `${TEMPORAL_CLI_MODULE} into .tools/bin; ` +
  'or point temporal.address in the config at a running Temporal cluster.';

function isExecutableFile(file, platform) {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns `{ path, source }` for the binary to use, or `{ path: undefined, problem }`.
 * Kept in step with lookupTemporalBinary in src/temporal/binary.ts (a unit test compares them).
 */
function lookupTemporalBinary(options = {}) {
  const env = options.env || process.env;
  const platform = options.platform || process.platform;
  const projectRoot = options.projectRoot || PROJECT_ROOT;
  const exe = platform === 'win32' ? 'temporal.exe' : 'temporal';

  const explicit = (env.TEMPORAL_CLI_PATH || '').trim();
  if (explicit) {
    const resolved = path.resolve(explicit);
    if (isExecutableFile(resolved, platform))
      return { path: resolved, source: 'TEMPORAL_CLI_PATH' };
    return {
      path: undefined,
      problem: `TEMPORAL_CLI_PATH is set to ${resolved}, which is not an executable file.`,
    };
  }

  const pathVar = (platform === 'win32' ? env.Path || env.PATH : env.PATH) || '';
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

function goAvailable() {
  const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
  return probe.status === 0;
}

function buildWithGo() {
  const gobin = path.join(PROJECT_ROOT, '.tools', 'bin');
  fs.mkdirSync(gobin, { recursive: true });
  console.error(
    `[ensure-temporal] building ${TEMPORAL_CLI_MODULE} into ${gobin} (a few minutes, once)...`,
  );
  // CGO off: the CLI's SQLite is pure Go, so no C toolchain is needed.
  const build = spawnSync('go', ['install', TEMPORAL_CLI_MODULE], {
    stdio: 'inherit',
    env: { ...process.env, GOBIN: gobin, CGO_ENABLED: '0' },
  });
  return build.status === 0;
}

function main(argv) {
  const required = argv.includes('--require');
  const quiet = argv.includes('--quiet');
  const fail = (message) => {
    console.error(`[ensure-temporal] ${required ? 'error' : 'warning'}: ${message}`);
    return required ? 1 : 0;
  };

  let found = lookupTemporalBinary();
  if (found.path) {
    if (!quiet) console.error(`[ensure-temporal] temporal CLI: ${found.path} (${found.source})`);
    return 0;
  }
  // A wrong explicit path is the user's choice to fix; building elsewhere would not be used.
  if (process.env.TEMPORAL_CLI_PATH) return fail(`${found.problem} ${INSTALL_HINT}`);
  if (process.env.SHELBY_BATCH_SKIP_TEMPORAL_BUILD === '1') {
    return fail(
      `${found.problem} (build skipped: SHELBY_BATCH_SKIP_TEMPORAL_BUILD=1) ${INSTALL_HINT}`,
    );
  }
  if (!goAvailable()) return fail(`${found.problem} Go is not installed either. ${INSTALL_HINT}`);
  if (!buildWithGo())
    return fail(`go install ${TEMPORAL_CLI_MODULE} failed (see above). ${INSTALL_HINT}`);

  found = lookupTemporalBinary();
  if (!found.path) return fail(`the build finished but ${found.problem} ${INSTALL_HINT}`);
  console.error(`[ensure-temporal] temporal CLI: ${found.path} (${found.source})`);
  return 0;
}

module.exports = { lookupTemporalBinary, TEMPORAL_CLI_VERSION, INSTALL_HINT };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
