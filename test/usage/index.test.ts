import { describe, expect, it } from 'vitest';
import { mergeUsageResults, normalizeSeries, percentToCores, sliceSeries } from '../../src/usage';
import type { UsageResult } from '../../src/usage';

const s = (urn: string, source: string) => ({ urn, cpuCores: { t: [1], v: [1] }, source });

describe('mergeUsageResults', () => {
  it('first source with data wins; missing only when no source served the workload', () => {
    const a: UsageResult = {
      series: new Map([['u1', s('u1', 'file')]]),
      missing: [
        { urn: 'u2', reason: 'not in file' },
        { urn: 'u3', reason: 'not in file' },
      ],
    };
    const b: UsageResult = {
      series: new Map([
        ['u1', s('u1', 'prom')],
        ['u2', s('u2', 'prom')],
      ]),
      missing: [{ urn: 'u3', reason: 'no series' }],
      warnings: ['prom: slow'],
    };
    const merged = mergeUsageResults([a, b]);
    expect(merged.series.get('u1')!.source).toBe('file');
    expect(merged.series.get('u2')!.source).toBe('prom');
    expect(merged.missing).toEqual([{ urn: 'u3', reason: 'not in file; no series' }]);
    expect(merged.warnings).toEqual(['prom: slow']);
  });
});

describe('series helpers', () => {
  it('sorts, keeps the larger duplicate and drops non-numbers (gaps stay gaps)', () => {
    expect(normalizeSeries({ t: [3, 1, 2, 1], v: [30, 10, NaN, 15] })).toEqual({ t: [1, 3], v: [15, 30] });
  });
  it('slices inclusively and converts percent to cores', () => {
    expect(sliceSeries({ t: [1, 2, 3, 4], v: [1, 2, 3, 4] }, 2, 3)).toEqual({ t: [2, 3], v: [2, 3] });
    expect(percentToCores(50, 4)).toBe(2);
  });
});
