import { describe, expect, it } from 'vitest';
import type { DimensionEvidence } from '../../src/model';
import { describeNeed, shownPeak } from '../../src/optimize/risk';

// The demo's `cache` memory, as the forecaster reports it: brief spikes to 16.96 GiB far above
// the forecast peak, and the need set by the observed peak (memory is never sized below it).
const cacheMemory: DimensionEvidence = {
  p50: 1.088,
  p95: 2.24,
  max: 16.96,
  forecastPeak: 3.776,
  percentile: 99.5,
  headroom: 0.2,
  required: 17.808,
};

describe('how a need is explained to a reviewer', () => {
  it('names the observed peak when it, not the forecast, set the need', () => {
    expect(describeNeed(cacheMemory, 'GiB')).toBe('forecast peak 3.78, observed peak 17 (never sized below it) → 17.8 GiB');
    expect(shownPeak(cacheMemory)).toBe(16.96);
  });

  it('says forecast peak + headroom when that set the need', () => {
    const cpu: DimensionEvidence = { ...cacheMemory, max: 0.6, forecastPeak: 0.41, required: 0.41 * 1.2 };
    expect(describeNeed(cpu, 'vCPU')).toBe('forecast peak 0.41 + 20% → 0.49 vCPU');
    expect(shownPeak(cpu)).toBe(0.41);
  });
});
