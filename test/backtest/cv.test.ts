import { describe, expect, it } from 'vitest';
import { chooseOnTraining, leaveOneDatasetOut } from '../../src/backtest/cv';
import type { CvScore } from '../../src/backtest/cv';

const s = (savingsShare: number, cpuUnderIntervals: number, memoryOverrunIntervals = 0): CvScore => ({
  savingsShare,
  cpuUnderIntervals,
  memoryOverrunIntervals,
});
// Compute-Optimizer-style per dataset: the bar a candidate must not fall below on safety.
const baseline = { a: s(0.3, 5), b: s(0.2, 2, 1), c: s(0.1, 0) };

describe('leave-one-dataset-out choice of model settings', () => {
  it('never chooses a candidate that under-provisions CPU or overruns memory more than the baseline on a training dataset, however much it saves', () => {
    const candidates = [
      { a: s(0.25, 5), b: s(0.2, 2), c: s(0.1, 0) }, // default: safe
      { a: s(0.5, 6), b: s(0.4, 2), c: s(0.1, 0) }, // saves most, one CPU interval too many on a
      { a: s(0.45, 5), b: s(0.35, 2, 2), c: s(0.1, 0) }, // one memory overrun too many on b
    ];
    expect(chooseOnTraining(candidates, baseline, ['a', 'b'])).toEqual({ chosen: 0, eligible: 1 });
  });

  it('chooses the highest mean savings share among eligible ones, and keeps the default on a tie', () => {
    const candidates = [
      { a: s(0.3, 5), b: s(0.2, 2), c: s(0.1, 0) },
      { a: s(0.3, 4), b: s(0.2, 1), c: s(0.1, 0) }, // same savings, safer: a tie keeps the default
      { a: s(0.2, 0), b: s(0.4, 0), c: s(0.1, 0) }, // mean 0.30 > 0.25
    ];
    expect(chooseOnTraining(candidates, baseline, ['a', 'b']).chosen).toBe(2);
    expect(chooseOnTraining(candidates.slice(0, 2), baseline, ['a', 'b']).chosen).toBe(0);
  });

  it('does not look at the held-out dataset: a candidate that is best there is not chosen for it', () => {
    const candidates = [
      { a: s(0.3, 5), b: s(0.2, 2), c: s(0.1, 0) },
      { a: s(0.3, 5), b: s(0.2, 2), c: s(0.9, 0) }, // better only on c
      { a: s(0.3, 5), b: s(0.2, 2), c: s(0.1, 9) }, // unsafe only on c
    ];
    const folds = leaveOneDatasetOut({ a: ['a'], b: ['b'], c: ['c'] }, candidates, baseline);
    expect(folds.find((f) => f.heldOut === 'c')).toEqual({ heldOut: 'c', chosen: 0, eligible: 3 });
    expect(folds.find((f) => f.heldOut === 'a')!.chosen).toBe(1);
  });

  it('keeps every training window of a dataset on the same side of the fold', () => {
    // Dataset x scored with two training windows; candidate 1 is unsafe on x's second window only.
    const base = { ...baseline, x14: s(0.1, 3), x21: s(0.1, 3) };
    const candidates = [
      { a: s(0.3, 5), b: s(0.2, 2), c: s(0.1, 0), x14: s(0.1, 3), x21: s(0.1, 3) },
      { a: s(0.4, 5), b: s(0.3, 2), c: s(0.1, 0), x14: s(0.2, 3), x21: s(0.2, 4) },
    ];
    const folds = leaveOneDatasetOut({ a: ['a'], b: ['b'], x: ['x14', 'x21'] }, candidates, base);
    expect(folds.find((f) => f.heldOut === 'a')!.chosen).toBe(0); // x21 is in training
    expect(folds.find((f) => f.heldOut === 'x')!.chosen).toBe(1); // neither x window is
  });

  it('says so when nothing is eligible', () => {
    expect(chooseOnTraining([{ a: s(0.9, 99), b: s(0.9, 0), c: s(0, 0) }], baseline, ['a', 'b'])).toEqual({ chosen: -1, eligible: 0 });
  });
});
