/**
 * Runs one measured process and reports what the benchmark tables show: wall time from spawn to
 * exit, the process's peak RSS and CPU time (through the peak-rss.js preload), what it printed,
 * and the CPU time the localnet and the Temporal server spent meanwhile.
 */
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const PRELOAD = path.join(__dirname, 'peak-rss.js');
/** Linux reports process times in clock ticks of 1/100 s on every platform Node supports. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, or undefined when it is gone. */
function processCpuSeconds(pid) {
  if (!pid) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * @typedef {object} Measurement
 * @property {number} wallSeconds spawn to exit
 * @property {number | undefined} peakRssMiB the measured process's peak RSS (all its threads)
 * @property {number | undefined} cpuSeconds the measured process's CPU time
 * @property {number | null} code exit code
 * @property {string | null} signal
 * @property {string} stdout
 * @property {string} stderr the last 4 KiB
 * @property {{ localnet?: number, temporal?: number }} serviceCpuSeconds
 */

/**
 * Spawns `node --require peak-rss.js <args>` and waits for it; stderr lines of the form
 * `progress <text>` go to `onProgress`.
 * @param {string[]} args script and arguments for node
 * @param {{ env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number, usageFile: string,
 *   services: { localnet?: number, temporal?: number }, nodeArgs?: string[],
 *   onProgress?: (line: string) => void }} options
 * @returns {Promise<Measurement>}
 */
function measure(args, options) {
  fs.rmSync(options.usageFile, { force: true });
  const before = {
    localnet: processCpuSeconds(options.services.localnet),
    temporal: processCpuSeconds(options.services.temporal),
  };
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      [...(options.nodeArgs ?? []), '--require', PRELOAD, ...args],
      {
        env: { ...options.env, SHELBY_BATCH_BENCH_USAGE: options.usageFile },
        cwd: options.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    let partial = '';
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4096);
      // Lines starting with "progress " are the child's own progress reports.
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      for (const line of lines) {
        if (line.startsWith('progress ')) options.onProgress?.(line.slice(9));
      }
    });
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${options.timeoutMs / 1000} s)`;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      let usage = {};
      try {
        usage = JSON.parse(fs.readFileSync(options.usageFile, 'utf8'));
      } catch {
        // Killed by a signal: no usage was written.
      }
      const delta = (name) => {
        const after = processCpuSeconds(options.services[name]);
        return after === undefined || before[name] === undefined ? undefined : after - before[name];
      };
      resolve({
        wallSeconds,
        peakRssMiB: usage.peakRssMiB,
        cpuSeconds: usage.cpuSeconds,
        code,
        signal,
        stdout,
        stderr,
        serviceCpuSeconds: { localnet: delta('localnet'), temporal: delta('temporal') },
      });
    });
  });
}

module.exports = { measure };
