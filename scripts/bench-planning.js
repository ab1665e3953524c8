#!/usr/bin/env node
/**
 * Planning benchmark: plans a tree of 300 folders × 1,000 empty files (case B09) with the compiled
 * planner under a 256 MiB heap, and prints files per second and the peak resident memory.
 *
 *   npm run build && node scripts/bench-planning.js [--runs 3] [--no-write]
 *
 * The tree is built once in the system's temporary folder and reused by later runs (delete
 * `shelby-batch-bench-planning/` there to rebuild it). Unless `--no-write` is given, the figures
 * replace the "Planning" section of BENCHMARKS.md, leaving the other sections as they are.
 */
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const FOLDERS = 300;
const FILES_PER_FOLDER = 1000;
const HEAP_MIB = 256;
const ROOT = path.resolve(__dirname, '..');
const PLANNER = path.join(ROOT, 'dist', 'planning', 'plan.js');
const BENCHMARKS = path.join(ROOT, 'BENCHMARKS.md');

function parseArgs(argv) {
  const options = { runs: 3, write: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') options.runs = Math.max(1, Number(argv[++i]) || 1);
    else if (argv[i] === '--no-write') options.write = false;
    else throw new Error(`unknown argument ${argv[i]}: use --runs N or --no-write`);
  }
  return options;
}

// The tree is kept between runs: building 300,000 files takes longer than planning them.
function ensureTree() {
  const base = path.join(os.tmpdir(), 'shelby-batch-bench-planning');
  const tree = path.join(base, 'tree');
  const marker = path.join(base, `complete-${FOLDERS}x${FILES_PER_FOLDER}`);
  if (fs.existsSync(marker)) return tree;
  process.stderr.write(`building ${FOLDERS} × ${FILES_PER_FOLDER} empty files in ${tree} …\n`);
  fs.rmSync(base, { recursive: true, force: true });
  for (let folder = 1; folder <= FOLDERS; folder++) {
    const dir = path.join(tree, String(folder));
    fs.mkdirSync(dir, { recursive: true });
    for (let file = 1; file <= FILES_PER_FOLDER; file++) {
      fs.closeSync(fs.openSync(path.join(dir, String(file)), 'w'));
    }
  }
  fs.writeFileSync(marker, new Date().toISOString() + '\n');
  return tree;
}

// One run in a fresh process with the heap limit, so peak RSS is the planner's alone.
function planOnce(tree) {
  const manifestDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shelby-batch-bench-manifest-'));
  const script = `
    const { planBatch } = require(${JSON.stringify(PLANNER)});
    const started = process.hrtime.bigint();
    planBatch({ sources: [${JSON.stringify(tree)}], prefix: 'b09/', manifestDir: ${JSON.stringify(manifestDir)} })
      .then((summary) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const usage = process.resourceUsage();
        const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
        const peakRssMiB = usage.maxRSS / 1024;
        process.stdout.write(JSON.stringify({ summary, seconds, cpuSeconds, peakRssMiB }));
      });
  `;
  try {
    const output = execFileSync(
      process.execPath,
      [`--max-old-space-size=${HEAP_MIB}`, '-e', script],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    return JSON.parse(output);
  } finally {
    fs.rmSync(manifestDir, { recursive: true, force: true });
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Wraps prose at 100 columns, as the rest of BENCHMARKS.md is written. */
function wrap(text) {
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > 100) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line].join('\n');
}

function section(result) {
  const lines = [
    '## Planning',
    '',
    wrap(
      `Planning a tree of ${FOLDERS} folders × ${FILES_PER_FOLDER.toLocaleString('en')} empty ` +
        'files (case B09) into a manifest, with the compiled planner in a process limited to a ' +
        `${HEAP_MIB} MiB heap; the tree is in the page cache (a second walk of it).`,
    ),
    '',
    '```sh',
    'npm run build && node scripts/bench-planning.js',
    '```',
    '',
    '| files | runs | median time | files/s (median) | CPU time (median) | peak RSS (max) | machine |',
    '| ----- | ---- | ----------- | ---------------- | ----------------- | -------------- | ------- |',
    `| ${result.files.toLocaleString('en')} | ${result.runs} | ${result.seconds.toFixed(2)} s | ` +
      `${Math.round(result.filesPerSecond).toLocaleString('en')} | ` +
      `${result.cpuSeconds.toFixed(2)} s | ` +
      `${Math.round(result.peakRssMiB)} MiB | ${result.machine} |`,
    '',
    wrap(
      `Measured ${result.date} with Node ${process.versions.node}; load average ` +
        `${result.loadAverage} when the runs started (other work on the machine slows the wall ` +
        'clock, so the CPU time is the steadier figure).',
    ),
    '',
  ];
  return lines.join('\n');
}

// Replaces the "Planning" section (up to the next level-2 heading) or appends it.
function writeSection(text) {
  const existing = fs.existsSync(BENCHMARKS) ? fs.readFileSync(BENCHMARKS, 'utf8') : '';
  if (existing === '') {
    fs.writeFileSync(BENCHMARKS, `# Benchmarks\n\n${text}`);
    return;
  }
  const start = existing.search(/^## Planning\s*$/m);
  if (start === -1) {
    fs.writeFileSync(BENCHMARKS, `${existing.replace(/\n*$/, '\n\n')}${text}`);
    return;
  }
  const rest = existing.slice(start + 1);
  const next = rest.search(/^## /m);
  const end = next === -1 ? existing.length : start + 1 + next;
  fs.writeFileSync(
    BENCHMARKS,
    existing.slice(0, start) + text + (next === -1 ? '' : '\n') + existing.slice(end),
  );
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(PLANNER)) throw new Error(`${PLANNER} is missing: run npm run build first`);
  const tree = ensureTree();
  const loadAverage = os.loadavg()[0].toFixed(1);
  const runs = [];
  for (let i = 0; i < options.runs; i++) {
    const run = planOnce(tree);
    const rate = run.summary.files / run.seconds;
    process.stderr.write(
      `run ${i + 1}: ${run.summary.files} files in ${run.seconds.toFixed(2)} s = ` +
        `${Math.round(rate)} files/s, CPU ${run.cpuSeconds.toFixed(2)} s, ` +
        `peak RSS ${Math.round(run.peakRssMiB)} MiB\n`,
    );
    runs.push(run);
  }
  const seconds = median(runs.map((run) => run.seconds));
  const result = {
    files: runs[0].summary.files,
    runs: runs.length,
    seconds,
    filesPerSecond: runs[0].summary.files / seconds,
    cpuSeconds: median(runs.map((run) => run.cpuSeconds)),
    loadAverage,
    peakRssMiB: Math.max(...runs.map((run) => run.peakRssMiB)),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'CPU'}`,
    date: new Date().toISOString().slice(0, 10),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  if (options.write) writeSection(section(result));
}

main();
