import { runCommitmentsHelper } from '../helpers/commitments-child';

interface PoolReport {
  path: string;
  threads: number;
  loop: { maxGapMs: number; utilization: number };
  inline: { maxGapMs: number; utilization: number };
  denseEqual: boolean;
  sparse: {
    size: number;
    numChunksets: number;
    equal: boolean;
    seconds: number;
    baselineRssMiB: number;
    peakRssMiB: number;
  };
}

describe('commitments worker pool', () => {
  let report: PoolReport;
  beforeAll(async () => {
    report = await runCommitmentsHelper<PoolReport>('commitments-pool');
  }, 15 * 60_000);

  it('encodes on worker threads, leaving the caller’s event loop free', () => {
    expect(report.path).toBe('auto');
    expect(report.denseEqual).toBe(true);
    // Encoding in the caller's thread keeps the loop busy almost all the time; the pool does not.
    expect(report.inline.utilization).toBeGreaterThan(0.8);
    // Compared with the inline run of the same work, not with a fixed figure: the machine is shared.
    expect(report.loop.utilization).toBeLessThan(report.inline.utilization * 0.8);
  });

  it('commits a 3 GiB sparse file with flat memory, equal to the SDK', () => {
    expect(report.sparse.numChunksets).toBe(308);
    expect(report.sparse.equal).toBe(true);
    // A few chunksets in flight per thread, not the file: growth stays far below 3 GiB.
    expect(report.sparse.peakRssMiB - report.sparse.baselineRssMiB).toBeLessThan(400);
  });
});
