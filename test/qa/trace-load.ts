import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Series } from '../../src/model';

/**
 * Real Bitbrains GWA-T-12 "Rnd" VM traces (data/traces/bitbrains-rnd-2013-07, data/README.md):
 * cores busy = `CPU usage [MHZ]` / (`CPU capacity provisioned [MHZ]` / `CPU cores`), memory used
 * = `Memory usage [KB]` / 1024², as stacks/usage/README.md converts them. Re-timed by a whole number
 * of days so the trace ends within the day before `end` (hours of day kept), and optionally
 * multiplied by a constant (the only change made to a trace: a probe says which factor and why).
 */
const DIR = path.resolve(__dirname, '../../data/traces/bitbrains-rnd-2013-07');
const DAY = 86_400_000;

export interface Trace {
  cpu: Series;
  mem: Series;
  /** What the VM was provisioned with (the trace's own columns). */
  cores: number;
  memoryGiB: number;
}

const cache = new Map<string, Trace>();

export function bitbrains(vm: string, end: Date): Trace {
  const key = `${vm}@${end.getTime()}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const lines = readFileSync(path.join(DIR, `${vm}.csv`), 'utf8')
    .trim()
    .split('\n')
    .slice(1);
  const rows = lines.map((l) => l.split(';').map((c) => Number(c.trim())));
  const lastMs = rows[rows.length - 1]![0]! * 1000;
  const shift = Math.ceil((end.getTime() - lastMs) / DAY - 1) * DAY;
  const out: Trace = { cpu: { t: [], v: [] }, mem: { t: [], v: [] }, cores: rows[0]![1]!, memoryGiB: rows[0]![5]! / 1024 ** 2 };
  for (const r of rows) {
    const t = r[0]! * 1000 + shift;
    if (t > end.getTime()) continue;
    out.cpu.t.push(t);
    out.cpu.v.push(r[3]! / (r[2]! / r[1]!));
    out.mem.t.push(t);
    out.mem.v.push(r[6]! / 1024 ** 2);
  }
  cache.set(key, out);
  return out;
}

export const scaled = (s: Series, k: number): Series => ({ t: s.t, v: s.v.map((v) => v * k) });

/** The q-quantile (0–1) of values, nearest rank: what a Compute-Optimizer-style rule reads. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
