import { runCommitmentsHelper } from '../helpers/commitments-child';

interface FallbackReport {
  healthyPath: string;
  alteredCoefficient: { from: number; to: number };
  path: string;
  mismatches: string[];
  warnings: { message: string; attributes?: { mismatches?: string[] } }[];
  equal: boolean[];
}

describe('commitments self-check', () => {
  it(
    'catches an altered response table, warns once and falls back to the SDK path',
    async () => {
      const report = await runCommitmentsHelper<FallbackReport>('commitments-fallback');
      expect(report.healthyPath).toBe('auto');
      expect(report.alteredCoefficient.to).not.toBe(report.alteredCoefficient.from);
      expect(report.path).toBe('sdk');
      expect(report.mismatches.some((line) => line.startsWith('table path'))).toBe(true);
      expect(report.warnings).toHaveLength(1);
      expect(report.warnings[0].message).toMatch(/using the SDK path/);
      expect(report.warnings[0].attributes?.mismatches).toEqual(report.mismatches);
      expect(report.equal).toEqual([true, true, true, true]);
    },
    10 * 60_000,
  );
});
