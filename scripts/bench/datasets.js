/**
 * The three data sets of the upload benchmark, built once in the system's temporary folder and
 * reused by later runs, so every run uploads exactly the same bytes:
 *
 * - small: 1,000 real small files, the time-zone database topped up with licence texts;
 * - large: 8 files of 64 MiB of random bytes;
 * - huge: one 3 GiB sparse file (all zeros, no disk blocks), larger than any Node Buffer.
 *
 * Delete `shelby-batch-bench-data/` in the temporary folder to rebuild them.
 */
'use strict';

const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const MIB = 1024 * 1024;
const SMALL_FILES = 1000;
const LARGE_FILES = 8;
const LARGE_BYTES = 64 * MIB;
const HUGE_BYTES = 3 * 1024 * MIB;

/** Where the data sets live between runs. */
const DATA_ROOT = path.join(os.tmpdir(), 'shelby-batch-bench-data');

/** The names `--only` accepts, in the order the benchmark runs them. */
const DATASET_NAMES = ['small', 'large', 'huge'];

/**
 * @typedef {object} Dataset
 * @property {string} name small, large or huge
 * @property {string} title what a reader of the results table sees
 * @property {string} dir the folder to upload (every regular file under it)
 * @property {{ rel: string, size: number }[]} files relative paths (also the blob names) and sizes
 * @property {number} bytes total size
 */

/** Regular files under `dir`, sorted by relative path; links and special files are left out. */
function listRegularFiles(dir) {
  const out = [];
  const walk = (sub) => {
    const entries = fs.readdirSync(path.join(dir, sub), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile()) out.push(rel);
    }
  };
  walk('');
  return out;
}

function describe(name, title, dir) {
  const files = listRegularFiles(dir).map((rel) => ({
    rel,
    size: fs.statSync(path.join(dir, rel)).size,
  }));
  return { name, title, dir, files, bytes: files.reduce((sum, f) => sum + f.size, 0) };
}

/**
 * Copies the time-zone database's regular files, then licence texts until there are 1,000, into
 * `<root>/small/files`, so the set stays the same even if the system's copies change.
 */
function smallDataset() {
  const base = path.join(DATA_ROOT, 'small');
  const dir = path.join(base, 'files');
  const marker = path.join(base, 'complete');
  if (!fs.existsSync(marker)) {
    fs.rmSync(base, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const sources = [];
    const zoneinfo = '/usr/share/zoneinfo';
    if (fs.existsSync(zoneinfo)) {
      for (const rel of listRegularFiles(zoneinfo)) {
        sources.push({ from: path.join(zoneinfo, rel), to: `zoneinfo/${rel}` });
      }
    }
    const licences = '/usr/share/common-licenses';
    if (fs.existsSync(licences)) {
      for (const rel of listRegularFiles(licences)) {
        sources.push({ from: path.join(licences, rel), to: `licenses/${rel}` });
      }
    }
    const docs = '/usr/share/doc';
    if (fs.existsSync(docs)) {
      for (const pkg of fs.readdirSync(docs).sort()) {
        const copyright = path.join(docs, pkg, 'copyright');
        try {
          if (fs.lstatSync(copyright).isFile()) {
            sources.push({ from: copyright, to: `copyright/${pkg}` });
          }
        } catch {
          // A package without a copyright file.
        }
      }
    }
    if (sources.length < SMALL_FILES) {
      throw new Error(
        `only ${sources.length} small real files found (time-zone database, licences); ` +
          `${SMALL_FILES} are needed: install tzdata or pass --only large,huge`,
      );
    }
    for (const { from, to } of sources.slice(0, SMALL_FILES)) {
      const target = path.join(dir, to);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(from, target);
    }
    fs.writeFileSync(marker, new Date().toISOString() + '\n');
  }
  return describe(
    'small',
    `${SMALL_FILES.toLocaleString('en')} small real files (time-zone database + licence texts)`,
    dir,
  );
}

/** Eight files of 64 MiB of random bytes, written in 1 MiB blocks. */
function largeDataset() {
  const base = path.join(DATA_ROOT, 'large');
  const dir = path.join(base, 'files');
  const marker = path.join(base, 'complete');
  if (!fs.existsSync(marker)) {
    fs.rmSync(base, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < LARGE_FILES; i++) {
      const fd = fs.openSync(path.join(dir, `random-${i}.bin`), 'w');
      try {
        for (let written = 0; written < LARGE_BYTES; written += MIB) {
          fs.writeSync(fd, randomBytes(MIB));
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    fs.writeFileSync(marker, new Date().toISOString() + '\n');
  }
  return describe('large', `${LARGE_FILES} files of 64 MiB (random bytes)`, dir);
}

/** One 3 GiB sparse file: its size is set, no block is written. */
function hugeDataset() {
  const base = path.join(DATA_ROOT, 'huge');
  const dir = path.join(base, 'files');
  const file = path.join(dir, 'sparse-3GiB.bin');
  if (!fs.existsSync(file) || fs.statSync(file).size !== HUGE_BYTES) {
    fs.mkdirSync(dir, { recursive: true });
    fs.closeSync(fs.openSync(file, 'w'));
    fs.truncateSync(file, HUGE_BYTES);
  }
  return describe('huge', 'one 3 GiB sparse file', dir);
}

/**
 * The first `count` files of a data set, hard-linked into a folder of their own (so a whole-folder
 * upload takes only them).
 * @param {Dataset} dataset
 * @param {number} count
 * @returns {Dataset}
 */
function sampleOf(dataset, count) {
  const dir = path.join(DATA_ROOT, dataset.name, `sample-${count}`);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const { rel } of dataset.files.slice(0, count)) {
    const target = path.join(dir, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.linkSync(path.join(dataset.dir, rel), target);
  }
  return describe(dataset.name, `${dataset.title}, first ${count} only`, dir);
}

/**
 * Builds (or reuses) the named data sets.
 * @param {string[]} names a subset of {@link DATASET_NAMES}
 * @param {number} [sample] keep only the first `sample` files of each (a quick try, not a figure)
 * @returns {Dataset[]}
 */
function prepareDatasets(names, sample) {
  const builders = { small: smallDataset, large: largeDataset, huge: hugeDataset };
  return DATASET_NAMES.filter((name) => names.includes(name))
    .map((name) => builders[name]())
    .map((dataset) => (sample === undefined ? dataset : sampleOf(dataset, sample)));
}

module.exports = { DATASET_NAMES, DATA_ROOT, prepareDatasets };
