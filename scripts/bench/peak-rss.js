/**
 * Preloaded into the measured `shelby-batch` process (`node --require scripts/bench/peak-rss.js
 * bin/shelby-batch.js …`): when the process exits, however it exits, it writes its peak resident
 * memory (getrusage's maxrss: the whole process, every thread included, as `/usr/bin/time -v`
 * reports it) and its CPU time to the file named by $SHELBY_BATCH_BENCH_USAGE.
 */
'use strict';

const fs = require('node:fs');

const target = process.env.SHELBY_BATCH_BENCH_USAGE;
if (target) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    fs.writeFileSync(
      target,
      JSON.stringify({
        peakRssMiB: usage.maxRSS / 1024,
        cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
      }),
    );
  });
}
