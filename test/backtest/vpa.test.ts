import { describe, expect, it } from 'vitest';
import { VPA_RECOMMENDER, vpaBucketEnd, vpaCpuTarget, vpaMemoryTarget } from '../../src/backtest/vpa';
import type { Series } from '../../src/model';

/**
 * The VPA-recommender baseline must be the recommender's rule, not "P90 + 15 %" of raw samples:
 * a decayed CPU histogram (half-life 24 h) and memory from daily peaks. Each case below has an
 * answer a plain percentile gets wrong.
 */
const HOUR = 3_600_000;
const END = Date.UTC(2026, 10, 1);
const GIB_BYTES = 1024 ** 3;

/** 5-minute samples over `days` before END, value by hour before END. */
function series(days: number, valueAt: (hoursBeforeEnd: number) => number): Series {
  const t: number[] = [];
  const v: number[] = [];
  for (let time = END - days * 24 * HOUR; time < END; time += 300_000) {
    t.push(time);
    v.push(valueAt((END - time) / HOUR));
  }
  return { t, v };
}

describe('VPA-recommender baseline (src/backtest/vpa.ts)', () => {
  it("reads a value as the end of its 5 %-growth bucket, as VPA's histogram does", () => {
    // 1.0 core: bucket 36 of first size 0.01, ratio 1.05 → ends at 0.01 × (1.05^37 − 1) / 0.05.
    expect(vpaBucketEnd(1, 0.01)).toBeCloseTo((0.01 * (1.05 ** 37 - 1)) / 0.05, 12);
    expect(vpaBucketEnd(1, 0.01)).toBeGreaterThan(1);
    // 8 GiB in the memory histogram (first bucket 10^7 bytes): one bucket end, < 5 % above.
    const end = vpaBucketEnd(8, VPA_RECOMMENDER.memoryFirstBucketGiB);
    expect(end).toBeGreaterThan(8);
    expect(end).toBeLessThan(8 * 1.05 + 1e-7);
  });

  it('targets P90 of a steady CPU × 1.15', () => {
    const cpu = series(10, () => 1);
    expect(vpaCpuTarget(cpu, END, 90, 0.15)).toBeCloseTo(vpaBucketEnd(1, 0.01) * 1.15, 12);
  });

  it('weights CPU samples by a 24 h half-life: the last 12 hours at 2 cores set the P90', () => {
    // Uniform weights: 12 h of 8 days = 6.25 % of samples above 0.5 → P90 = 0.5.
    // Decayed: the last 12 h weigh (1 − 0.5^0.5) / (1 − 0.5^8) ≈ 29 % → P90 = 2.
    const cpu = series(8, (h) => (h <= 12 ? 2 : 0.5));
    expect(vpaCpuTarget(cpu, END, 90, 0.15)).toBeCloseTo(vpaBucketEnd(2, 0.01) * 1.15, 12);
  });

  it('uses only the last 8 days of CPU', () => {
    // Decayed, days 9–20 weigh ≈ 0.2 %: enough to set a P99.9 if they were read.
    const cpu = series(20, (h) => (h > 9 * 24 ? 16 : 1));
    expect(vpaCpuTarget(cpu, END, 99.9, 0.15)).toBeCloseTo(vpaBucketEnd(1, 0.01) * 1.15, 12);
  });

  it('sizes memory from the daily PEAKS: a 5-minute spike to 8 GiB every day counts', () => {
    // A plain P90 of samples would say 2 GiB (the spike is 1 sample in 288).
    const mem = series(10, (h) => (Math.abs((h % 24) - 3) < 1 / 24 ? 8 : 2));
    expect(vpaMemoryTarget(mem, END, 90, 0.15)).toBeCloseTo(vpaBucketEnd(8, VPA_RECOMMENDER.memoryFirstBucketGiB) * 1.15, 12);
  });

  it('forgets memory peaks older than 8 daily intervals', () => {
    // Peaks 8–11 days old weigh ≈ 0.4 % decayed: enough to set a P99.9 if they were kept.
    const mem = series(12, (h) => (h > 8 * 24 ? 30 : 2));
    expect(vpaMemoryTarget(mem, END, 99.9, 0.15)).toBeCloseTo(vpaBucketEnd(2, VPA_RECOMMENDER.memoryFirstBucketGiB) * 1.15, 12);
  });

  it('weights daily peaks by age: one high peak yesterday sets the P90, the same peak a week ago does not', () => {
    // 8 peaks, weights 0.5^k (k = 0 … 7 days old): the newest alone is ≈ 50 % of the weight.
    const recent = series(8, (h) => (h < 24 ? 6 : 2));
    const old = series(8, (h) => (h > 7 * 24 ? 6 : 2));
    const first = VPA_RECOMMENDER.memoryFirstBucketGiB;
    expect(vpaMemoryTarget(recent, END, 90, 0.15)).toBeCloseTo(vpaBucketEnd(6, first) * 1.15, 12);
    expect(vpaMemoryTarget(old, END, 90, 0.15)).toBeCloseTo(vpaBucketEnd(2, first) * 1.15, 12);
  });

  it('never recommends under 25 millicores or 250 MiB', () => {
    expect(
      vpaCpuTarget(
        series(8, () => 0.001),
        END,
        90,
        0.15,
      ),
    ).toBe(0.025);
    expect(
      vpaMemoryTarget(
        series(8, () => (50 * 1024 * 1024) / GIB_BYTES),
        END,
        90,
        0.15,
      ),
    ).toBeCloseTo(250 / 1024, 12);
  });
});
