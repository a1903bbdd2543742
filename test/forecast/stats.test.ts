import { describe, expect, it } from 'vitest';
import { weightedQuantileInPlace } from '../../src/forecast/stats';

/** The definition, by brute force: the smallest value whose weighted CDF reaches p % of the total. */
function byDefinition(v: number[], w: number[], p: number): number {
  const total = w.reduce((a, b) => a + b, 0);
  const candidates = [...new Set(v)].sort((a, b) => a - b);
  for (const x of candidates) {
    const cdf = v.reduce((acc, y, i) => acc + (y <= x ? w[i]! : 0), 0);
    if (cdf >= (p / 100) * total - 1e-12 * total) return x;
  }
  return candidates[candidates.length - 1]!;
}

/** Deterministic pseudo-random numbers (a linear congruential generator), so a failure reproduces. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1664525 + 1013904223) % 4294967296) / 4294967296;
}

describe("weightedQuantileInPlace (the seasonal quantile's selection)", () => {
  it('equals the definition on random samples with ties and uneven weights, at every percentile used', () => {
    const rand = lcg(7);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rand() * 60);
      // Few distinct values: many ties, the case a two-way partition gets wrong.
      const v = Array.from({ length: n }, () => Math.floor(rand() * 8) / 2);
      const w = Array.from({ length: n }, () => 0.01 + rand() * (rand() < 0.2 ? 50 : 1));
      for (const p of [0, 50, 90, 95, 99, 99.5, 99.9, 100]) {
        const got = weightedQuantileInPlace(Float64Array.from(v), Float64Array.from(w), n, p);
        expect(got, `trial ${trial}, p ${p}`).toBe(byDefinition(v, w, p));
      }
    }
  });

  it('lets a heavy sample move the quantile: weight, not count, decides', () => {
    // 99 light samples at 1 and one sample at 10 holding half the weight: P60 is 10, not 1.
    const v = Float64Array.from([...Array(99).fill(1), 10]);
    const w = Float64Array.from([...Array(99).fill(1 / 99), 1]);
    expect(weightedQuantileInPlace(v, w, 100, 60)).toBe(10);
    expect(weightedQuantileInPlace(Float64Array.from(v), Float64Array.from(w), 100, 40)).toBe(1);
  });

  it('reads only the first n entries', () => {
    const v = Float64Array.from([3, 1, 2, 100, 100]);
    const w = Float64Array.from([1, 1, 1, 1, 1]);
    expect(weightedQuantileInPlace(v, w, 3, 100)).toBe(3);
  });
});
