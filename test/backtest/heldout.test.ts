import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { runBacktest } from '../../src/backtest';
import type { BacktestReport } from '../../src/backtest';
import { loadBacktestTraces } from '../../src/backtest/traces';
import { vpaCpuTarget, vpaMemoryTarget } from '../../src/backtest/vpa';

/** Held-out windows (offsetDays) and the VPA-recommender baseline, on the real Bitbrains traces. */
const dir = path.resolve(__dirname, '../../data/traces/bitbrains-rnd-2013-07');
const catalog = loadCatalog();
const DAY = 86_400_000;

describe('back-test windows and the VPA baseline on real traces', () => {
  let reference: BacktestReport;
  let later: BacktestReport;
  beforeAll(() => {
    reference = runBacktest(dir, { catalog });
    later = runBacktest(dir, { catalog, trainDays: 14, offsetDays: 7 });
  });

  it('with offsetDays, trains on [start + offset, start + offset + train) and scores the same rest', () => {
    const { traces } = loadBacktestTraces(dir);
    expect(later.traces).toHaveLength(traces.length);
    for (const r of later.traces) {
      const t = traces.find((x) => x.id === r.id)!.cpuCores.t;
      const from = t[0]! + 7 * DAY;
      expect(r.trainIntervals).toBe(t.filter((x) => x >= from && x < from + 14 * DAY).length);
      expect(r.scoredIntervals).toBe(reference.traces.find((x) => x.id === r.id)!.scoredIntervals);
    }
    expect(() => runBacktest(dir, { catalog, offsetDays: -1 })).toThrow(/offset days must be 0 or more/);
  });

  it("the VPA baseline asks for the recommender's targets (decayed CPU histogram, daily memory peaks), not a plain P90", () => {
    const { traces } = loadBacktestTraces(dir);
    let differsFromPlainP90 = 0;
    for (const r of reference.traces) {
      const trace = traces.find((x) => x.id === r.id)!;
      const split = trace.cpuCores.t[0]! + 21 * DAY;
      const vpa = r.results.find((m) => m.label.startsWith('VPA'))!;
      expect(vpa.requiredVcpu).toBeCloseTo(vpaCpuTarget(trace.cpuCores, split, 90, 0.15), 3);
      expect(vpa.requiredMemoryGiB).toBeCloseTo(vpaMemoryTarget(trace.memoryGiB!, split, 90, 0.15), 3);
      // A plain P90 of every training sample (the old baseline) is below the daily-peak target.
      const train = trace.memoryGiB!.v.filter((_, i) => trace.memoryGiB!.t[i]! < split).sort((a, b) => a - b);
      if (vpa.requiredMemoryGiB! > train[Math.floor(0.9 * (train.length - 1))]! * 1.15 * 1.06) differsFromPlainP90++;
    }
    expect(differsFromPlainP90).toBeGreaterThan(0);
  });
});
