/**
 * Forecast and usage-file benchmark: `npx tsx bench/forecast.ts [--no-file]`.
 *
 * Input: the 10 real Bitbrains traces (CPU cores and memory GiB), as hourly maxima of their
 * 5-minute samples (688 hours each), replicated to 10,000 workloads of 720 hourly points: workload
 * i reads trace i mod 10 starting at hour ⌊i / 10⌋ mod 688 and wraps around. Values are the
 * traces' own; only their order in time is rotated. Nothing is synthesised.
 *
 * 1. forecastDemand for all 10,000 workloads × 2 dimensions (the default rules).
 * 2. Unless --no-file: the same usage written as one 14.4-million-row CSV (10,000 workloads ×
 *    720 points × 2 metrics, quoted URNs) under the OS temp dir, then read with readUsageFile.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stackfitConfigSchema } from '../src/config/schema';
import { ruleFor } from '../src/config/rules';
import { forecastDemand } from '../src/forecast/index';
import { readUsageFile } from '../src/usage/file/index';
import { benchUsage, POINTS, writeUsageCsv } from './usage-data';

const WORKLOADS = 10_000;

const data = benchUsage(WORKLOADS);
const { workloads, usage } = data;
const config = stackfitConfigSchema.parse({});
const rule = ruleFor(config, workloads[0]!);

// Warm-up (JIT), then the timed run.
for (let i = 0; i < 200; i++) forecastDemand({ workload: workloads[i]!, usage: usage[i], rule });
// CPU time is reported beside wall time: on a shared machine it is the steadier figure.
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let ok = 0;
for (let i = 0; i < WORKLOADS; i++) if (forecastDemand({ workload: workloads[i]!, usage: usage[i], rule }).status === 'ok') ok++;
const forecastMs = performance.now() - t0;
const forecastCpu = process.cpuUsage(cpu0);
process.stdout.write(
  `forecastDemand: ${WORKLOADS} workloads × ${POINTS} hourly points × 2 dimensions in ${(forecastMs / 1000).toFixed(2)} s wall, ` +
    `${((forecastCpu.user + forecastCpu.system) / 1e6).toFixed(2)} s CPU (${((forecastMs * 1000) / WORKLOADS).toFixed(0)} µs per workload; ${ok} ok)\n`,
);

if (!process.argv.includes('--no-file')) {
  const dir = mkdtempSync(path.join(tmpdir(), 'stackfit-bench-'));
  const file = path.join(dir, 'usage.csv');
  try {
    writeUsageCsv(file, data);
    const mib = statSync(file).size / 2 ** 20;
    const cpu1 = process.cpuUsage();
    const t1 = performance.now();
    const raw = readUsageFile(file);
    const parseMs = performance.now() - t1;
    const parseCpu = process.cpuUsage(cpu1);
    let points = 0;
    for (const byMetric of raw.resources.values()) for (const s of byMetric.values()) points += s.t.length;
    process.stdout.write(
      `readUsageFile: ${points.toLocaleString('en')} rows (${mib.toFixed(0)} MiB CSV, quoted URNs, ISO timestamps) in ${(parseMs / 1000).toFixed(2)} s wall, ${((parseCpu.user + parseCpu.system) / 1e6).toFixed(2)} s CPU ` +
        `(${(((points / parseMs) * 1000) / 1e6).toFixed(1)} M rows/s), ${raw.resources.size} resources\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
