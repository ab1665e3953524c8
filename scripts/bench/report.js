/**
 * Turns the upload benchmark's measurements into figures: medians per data set and path, the
 * ratios and targets of issue 5, a table for the terminal and a section for BENCHMARKS.md.
 */
'use strict';

const fs = require('node:fs');

/** The four ways the same files are uploaded, in the order they run and are shown. */
const PATHS = [
  { id: 'sdk-sequential', label: 'SDK alone, sequential (`upload` per file)' },
  { id: 'sdk-batch', label: 'SDK `batchUpload` (100 blobs per call)' },
  { id: 'in-process', label: 'shelby-batch pipeline, in-process (no Temporal)' },
  { id: 'temporal', label: 'shelby-batch end to end through Temporal (`upload`)' },
];

/** Targets of issue 5, per data set. */
const TARGETS = {
  small: { ratio: 10, rssMiB: 400, moonshotFilesPerSecond: 100, metric: 'filesPerSecond' },
  large: { ratio: 1.6, rssMiB: 500, metric: 'mbPerSecond' },
  huge: { rssMiB: 500 },
};

function median(values) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * @typedef {object} Run one measurement
 * @property {string} dataset
 * @property {string} path
 * @property {boolean} ok every file uploaded
 * @property {number} files
 * @property {number} uploaded
 * @property {number} bytes
 * @property {number} wallSeconds
 * @property {number | undefined} peakRssMiB
 * @property {number | undefined} cpuSeconds
 * @property {{ localnet?: number, temporal?: number }} serviceCpuSeconds
 * @property {string | undefined} error
 */

/**
 * Medians over the repeats of each (data set, path). A path that failed in any repeat is shown
 * as failed, with the first error; peak RSS is the largest seen.
 * @param {Run[]} runs
 */
function summarise(runs) {
  const rows = [];
  for (const dataset of [...new Set(runs.map((r) => r.dataset))]) {
    for (const { id, label } of PATHS) {
      const mine = runs.filter((r) => r.dataset === dataset && r.path === id);
      if (mine.length === 0) continue;
      const good = mine.filter((r) => r.ok);
      const failed = mine.find((r) => !r.ok);
      const wall = median(good.map((r) => r.wallSeconds));
      const files = mine[0].files;
      const bytes = mine[0].bytes;
      const rss = mine.map((r) => r.peakRssMiB).filter((v) => v !== undefined);
      const serviceCpu = (name) =>
        median(good.map((r) => r.serviceCpuSeconds[name]).filter((v) => v !== undefined));
      rows.push({
        dataset,
        path: id,
        label,
        repeats: mine.length,
        ok: failed === undefined,
        error: failed?.error,
        files,
        bytes,
        wallSeconds: wall,
        filesPerSecond: wall ? files / wall : undefined,
        mbPerSecond: wall ? bytes / 1e6 / wall : undefined,
        peakRssMiB: rss.length > 0 ? Math.max(...rss) : undefined,
        cpuSeconds: median(good.map((r) => r.cpuSeconds).filter((v) => v !== undefined)),
        localnetCpuSeconds: serviceCpu('localnet'),
        temporalCpuSeconds: serviceCpu('temporal'),
      });
    }
  }
  return rows;
}

function row(rows, dataset, path) {
  return rows.find((r) => r.dataset === dataset && r.path === path);
}

const fixed = (value, digits) => (value === undefined ? '–' : value.toFixed(digits));

/**
 * The target lines: PASS or FAIL with the figures behind each, and the orchestration cost.
 * @returns {{ status: 'PASS' | 'FAIL' | 'INFO' | 'NOT RUN', text: string }[]}
 */
function evaluateTargets(rows) {
  const lines = [];
  const pass = (ok) => (ok ? 'PASS' : 'FAIL');

  const ratioLine = (dataset, what) => {
    const target = TARGETS[dataset];
    const sdk = row(rows, dataset, 'sdk-sequential');
    const e2e = row(rows, dataset, 'temporal');
    if (!sdk || !e2e) {
      lines.push({
        status: 'NOT RUN',
        text: `${what}: needs both the SDK sequential and end-to-end runs`,
      });
      return;
    }
    const unit = target.metric === 'filesPerSecond' ? 'files/s' : 'MB/s';
    const ratio = e2e.ok && sdk.ok ? e2e[target.metric] / sdk[target.metric] : undefined;
    lines.push({
      status: pass(ratio !== undefined && ratio >= target.ratio),
      text:
        `${what}: end to end ${fixed(e2e[target.metric], 2)} ${unit} vs SDK sequential ` +
        `${fixed(sdk[target.metric], 2)} ${unit} = ×${fixed(ratio, 1)} (target ≥ ×${target.ratio})` +
        (e2e.ok ? '' : ` — end to end failed: ${e2e.error}`),
    });
    lines.push({
      status: pass(e2e.ok && e2e.peakRssMiB !== undefined && e2e.peakRssMiB <= target.rssMiB),
      text: `${what}: end-to-end peak RSS ${fixed(e2e.peakRssMiB, 0)} MiB (target ≤ ${target.rssMiB} MiB)`,
    });
    if (target.moonshotFilesPerSecond) {
      lines.push({
        status: pass(e2e.ok && e2e.filesPerSecond >= target.moonshotFilesPerSecond),
        text: `${what}, moonshot: ${fixed(e2e.filesPerSecond, 1)} files/s end to end (moonshot ≥ ${target.moonshotFilesPerSecond})`,
      });
    }
  };
  ratioLine('small', '1,000 small files');
  ratioLine('large', '8 × 64 MiB');

  const huge = row(rows, 'huge', 'temporal');
  if (huge) {
    lines.push({
      status: pass(
        huge.ok && huge.peakRssMiB !== undefined && huge.peakRssMiB <= TARGETS.huge.rssMiB,
      ),
      text:
        `3 GiB file: end to end ${huge.ok ? 'completed' : `failed (${huge.error})`} with peak RSS ` +
        `${fixed(huge.peakRssMiB, 0)} MiB (target: completes, ≤ ${TARGETS.huge.rssMiB} MiB)`,
    });
    const sdk = row(rows, 'huge', 'sdk-sequential');
    if (sdk) {
      lines.push({
        status: 'INFO',
        text: `3 GiB file, SDK alone: ${sdk.ok ? 'completed (unexpected)' : `fails — ${sdk.error}`}`,
      });
    }
  } else {
    lines.push({ status: 'NOT RUN', text: '3 GiB file (pass --only huge or run all data sets)' });
  }

  for (const dataset of [...new Set(rows.map((r) => r.dataset))]) {
    const inProcess = row(rows, dataset, 'in-process');
    const e2e = row(rows, dataset, 'temporal');
    if (!inProcess?.ok || !e2e?.ok) continue;
    const extra = e2e.wallSeconds - inProcess.wallSeconds;
    lines.push({
      status: 'INFO',
      text:
        `${dataset}: in-process ${fixed(inProcess.wallSeconds, 1)} s beside Temporal ` +
        `${fixed(e2e.wallSeconds, 1)} s: orchestration costs ${fixed(extra, 1)} s ` +
        `(${fixed((extra / inProcess.wallSeconds) * 100, 0)} %)`,
    });
  }
  return lines;
}

/** The results as a plain-text table for the terminal. */
function formatTable(rows, datasets) {
  const header = [
    'data set',
    'path',
    'files',
    'MB',
    'wall s',
    'files/s',
    'MB/s',
    'peak RSS MiB',
    'CPU s',
    'result',
  ];
  const body = rows.map((r) => [
    r.dataset,
    r.path,
    String(r.files),
    (r.bytes / 1e6).toFixed(1),
    fixed(r.wallSeconds, 1),
    fixed(r.filesPerSecond, 2),
    fixed(r.mbPerSecond, 2),
    fixed(r.peakRssMiB, 0),
    fixed(r.cpuSeconds, 1),
    r.ok ? 'ok' : `FAILED: ${(r.error ?? '').slice(0, 100)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  const titles = datasets.map((d) => `${d.name}: ${d.title}`).join('\n');
  return [titles, '', line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join(
    '\n',
  );
}

/** The "Uploads" section of BENCHMARKS.md. */
function uploadsSection({ rows, targets, datasets, meta }) {
  const md = [];
  md.push('## Uploads: shelby-batch against the Shelby SDK alone', '');
  md.push(
    "The same real files uploaded four ways, in one run, against the project's localnet (a fresh " +
      'state folder, on a free loopback port) and a Temporal dev server of its own. Written by ' +
      '`npm run bench`; regenerate with:',
    '',
    '```sh',
    meta.command,
    '```',
    '',
  );
  md.push(
    `Measured ${meta.date} on ${meta.machine}, Node ${meta.node}, commit ${meta.commit}; ` +
      `${meta.repeats} repeat(s), medians shown (peak RSS: the largest). Load average ` +
      `${meta.loadAverage} at the start.`,
    '',
  );
  md.push('Data sets:', '');
  for (const d of datasets) {
    md.push(
      `- **${d.name}**: ${d.title}, ${d.fileCount.toLocaleString('en')} files, ${(d.bytes / 1e6).toFixed(1)} MB.`,
    );
  }
  md.push('');
  md.push('Paths:', '');
  md.push(
    "1. **SDK alone, sequential**: what Shelby's upload example does, once per file and one file " +
      'after another: `readFileSync`, then `client.upload({ blobData, signer, blobName, ' +
      'expirationMicros })`; one demo account.',
    '2. **SDK `batchUpload`**: `readFileSync` of 100 files, then one `client.batchUpload` call for ' +
      'them (one `register_multiple_blobs`), chunk after chunk; one demo account.',
    '3. **shelby-batch in-process**: the activities a worker runs (`createActivities` from ' +
      '`dist/`, dependencies built as the worker builds them) in `MockActivityEnvironment`, driven ' +
      "without Temporal by the workflow's own grouping (`takeGroup`), account choice and window " +
      'rule; the account lease is an in-memory lock. Config as shipped: three demo accounts ' +
      `(round-robin), \`max_parallel_uploads: ${meta.parallel}\`.`,
    '4. **shelby-batch end to end**: `shelby-batch upload <dir> --prefix … --json` as a user runs ' +
      'it (planning, cost check, workflow, in-process worker, report), against the dev server and ' +
      'the localnet.',
    '',
    'Each path runs in a fresh process, with its own blob prefix (nothing is already registered); ' +
      "wall time is that process's, from spawn to exit, start-up included. Peak RSS is the " +
      "process's `maxrss` (every thread, the commitments pool included). MB = 10⁶ bytes. The " +
      'localnet and Temporal run in their own processes on the same 2 cores; their CPU time during ' +
      'each path is shown too.',
    '',
  );
  md.push(
    '| data set | path | files | wall (s) | files/s | MB/s | peak RSS (MiB) | CPU (s) | localnet CPU (s) | Temporal CPU (s) | result |',
    '| -------- | ---- | ----: | -------: | ------: | ---: | -------------: | ------: | ---------------: | ---------------: | ------ |',
  );
  for (const r of rows) {
    md.push(
      `| ${r.dataset} | ${r.label} | ${r.files} | ${fixed(r.wallSeconds, 1)} | ${fixed(r.filesPerSecond, 2)} | ` +
        `${fixed(r.mbPerSecond, 2)} | ${fixed(r.peakRssMiB, 0)} | ${fixed(r.cpuSeconds, 1)} | ` +
        `${fixed(r.localnetCpuSeconds, 1)} | ${fixed(r.temporalCpuSeconds, 1)} | ` +
        `${r.ok ? 'ok' : `fails: ${(r.error ?? '').replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 200)}`} |`,
    );
  }
  md.push('', 'Targets (issue 5):', '');
  for (const t of targets) md.push(`- **${t.status}** ${t.text}`);
  md.push('');
  return md.join('\n');
}

/** The commitments micro-benchmark's own output (a markdown table), as it printed it. */
function commitmentsSection(output, command) {
  return [
    '## Commitments micro-benchmark',
    '',
    `Printed by \`${command}\`, which \`npm run bench\` runs after the uploads above, in the same run:`,
    '',
    // Its own headings, if it ever prints some, must not end this section early.
    output.trim().replace(/^#+ /gm, ''),
    '',
  ].join('\n');
}

/**
 * Replaces the level-2 section titled `title` (up to the next level-2 heading) or adds it before
 * `before` (when that section exists) or at the end; other sections are left as they are.
 */
function writeSection(file, title, text, before) {
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (existing.trim() === '') {
    fs.writeFileSync(file, `# Benchmarks\n\n${text}`);
    return;
  }
  const heading = (t) => new RegExp(`^## ${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'm');
  const start = existing.search(heading(title));
  if (start === -1) {
    const at = before ? existing.search(heading(before)) : -1;
    if (at === -1) {
      fs.writeFileSync(file, `${existing.replace(/\n*$/, '\n\n')}${text}`);
    } else {
      fs.writeFileSync(file, `${existing.slice(0, at)}${text}\n${existing.slice(at)}`);
    }
    return;
  }
  const rest = existing.slice(start + 1);
  const next = rest.search(/^## /m);
  const end = next === -1 ? existing.length : start + 1 + next;
  fs.writeFileSync(
    file,
    existing.slice(0, start) + text + (next === -1 ? '' : '\n') + existing.slice(end),
  );
}

module.exports = {
  PATHS,
  summarise,
  evaluateTargets,
  formatTable,
  uploadsSection,
  commitmentsSection,
  writeSection,
};
