/**
 * A private copy of the compiled product for one benchmark run: `dist/`, `bin/`, `config/` and
 * `package.json` copied into the run folder, with `node_modules` and `.tools` linked. Every
 * measured process runs from it, so a rebuild of the working tree during an hour-long run (by
 * anyone) cannot change, or break, the code being measured half-way.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Copies the built product under `dir/app` and returns its paths.
 * @param {string} dir the run folder
 * @returns {{ root: string, cli: string, dist: string }}
 */
function snapshotProduct(dir) {
  const root = path.join(dir, 'app');
  fs.mkdirSync(root, { recursive: true });
  for (const name of ['dist', 'bin', 'config']) {
    fs.cpSync(path.join(ROOT, name), path.join(root, name), { recursive: true });
  }
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(root, 'package.json'));
  for (const name of ['node_modules', '.tools']) {
    if (fs.existsSync(path.join(ROOT, name))) {
      fs.symlinkSync(path.join(ROOT, name), path.join(root, name), 'dir');
    }
  }
  return {
    root,
    cli: path.join(root, 'bin', 'shelby-batch.js'),
    dist: path.join(root, 'dist'),
  };
}

module.exports = { snapshotProduct };
