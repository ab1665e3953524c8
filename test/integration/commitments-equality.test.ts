import { runCommitmentsHelper } from '../helpers/commitments-child';

interface EqualityReport {
  checked: number;
  throughFile: number;
  mismatches: string[];
  path: string;
  kinds: Record<string, number>;
  sizes: Record<string, number>;
}

/** Blobs compared with the SDK; COMMITMENTS_EQUALITY_BLOBS raises it for a longer soak. */
const BLOBS = Number(process.env.COMMITMENTS_EQUALITY_BLOBS ?? 1000);

describe('commitments engine equals the SDK', () => {
  it(
    `gives commitments deep-equal to generateCommitments on ${BLOBS} blobs`,
    async () => {
      const report = await runCommitmentsHelper<EqualityReport>('commitments-equality', [
        String(BLOBS),
        process.env.COMMITMENTS_EQUALITY_SEED ?? '20251204',
      ]);
      expect(report.path).toBe('auto');
      expect(report.mismatches).toEqual([]);
      expect(report.checked).toBeGreaterThanOrEqual(BLOBS);
      expect(report.throughFile).toBeGreaterThanOrEqual(BLOBS / 10);
      expect(Object.keys(report.kinds).sort()).toEqual([
        'constant',
        'random',
        'runs',
        'sparse',
        'zero',
      ]);
      expect(report.sizes.zero).toBeGreaterThan(0);
      expect(report.sizes.multiChunkset).toBeGreaterThan(3);
    },
    30 * 60_000,
  );
});
