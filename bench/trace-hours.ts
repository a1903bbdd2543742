import type { Series } from '../src/model';

const HOUR = 3_600_000;

/** A trace's hourly maxima (one value per hour that has samples): the benches' hourly usage. */
export function hourlyMax(s: Series): number[] {
  const first = Math.floor(s.t[0]! / HOUR);
  const out: number[] = [];
  for (let i = 0; i < s.t.length; i++) {
    const b = Math.floor(s.t[i]! / HOUR) - first;
    const v = s.v[i]!;
    if (!Number.isFinite(v)) continue;
    out[b] = Math.max(out[b] ?? -Infinity, v);
  }
  return out.filter((x) => x !== undefined);
}
