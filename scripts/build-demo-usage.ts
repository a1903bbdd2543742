/**
 * Builds the demo stacks' recorded usage, `stacks/usage/prod.csv` and `stacks/usage/dev.csv`,
 * from REAL traces in data/traces (see stacks/usage/README.md for which trace feeds
 * which workload, with provenance and licences).
 *
 * Values are not changed: Bitbrains used cores are computed from the trace's own MHz columns
 * (usage MHz / (capacity MHz / cores)) and memory from KB to GiB; Azure rows carry the recorded
 * CPU % as `cpu_percent`. Only timestamps move: each trace is shifted by a whole number of days
 * (so hour-of-day patterns stay put) to end just before DEMO_END. Values are written with 6
 * significant digits.
 *
 *   npx tsx scripts/build-demo-usage.ts [<traces dir>] [<out dir>]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Series } from '../src/model';
import { readTraceFile } from '../src/usage/traces/index';
import type { Trace } from '../src/usage/traces/index';

export const DEMO_END_MS = Date.parse('2026-11-01T00:00:00Z');
const DAY_MS = 86_400_000;

/** Which real trace feeds which demo workload. Keep in sync with stacks/usage/README.md. */
export const DEMO_SOURCES: Record<'prod' | 'dev', { workload: string; file: string; vm?: string }[]> = {
  prod: [
    { workload: 'web', file: 'bitbrains-rnd-2013-07/113.csv' },
    { workload: 'api', file: 'bitbrains-rnd-2013-07/35.csv' },
    { workload: 'worker', file: 'bitbrains-rnd-2013-07/78.csv' },
    { workload: 'cache', file: 'bitbrains-rnd-2013-07/28.csv' },
    { workload: 'search', file: 'bitbrains-rnd-2013-07/488.csv' },
    { workload: 'reporting', file: 'azure-v1/azure_v1_50vms_max_cpu_wide.csv', vm: '737498' },
  ],
  dev: [
    { workload: 'web', file: 'bitbrains-rnd-2013-07/8.csv' },
    { workload: 'api', file: 'bitbrains-rnd-2013-07/306.csv' },
    { workload: 'worker', file: 'bitbrains-rnd-2013-07/449.csv' },
  ],
};

function fmt(x: number): string {
  return Number(x.toPrecision(6)).toString();
}

function rows(workload: string, metric: string, series: Series, shiftMs: number, out: string[]): void {
  for (let i = 0; i < series.t.length; i++) {
    const v = series.v[i]!;
    if (!Number.isFinite(v)) continue; // a gap in the trace stays a gap in the file
    out.push(`${Math.round((series.t[i]! + shiftMs) / 1000)},${workload},${metric},${fmt(v)}`);
  }
}

export function buildDemoUsage(tracesDir: string): Record<'prod' | 'dev', string> {
  const cache = new Map<string, Trace[]>();
  const result = { prod: '', dev: '' };
  for (const stack of ['prod', 'dev'] as const) {
    const lines = ['timestamp,resource,metric,value'];
    for (const src of DEMO_SOURCES[stack]) {
      const file = path.join(tracesDir, src.file);
      let traces = cache.get(file);
      if (!traces) cache.set(file, (traces = readTraceFile(file)));
      const trace = src.vm ? traces.find((t) => t.id.endsWith(`:${src.vm}`)) : traces[0];
      if (!trace) throw new Error(`${file}: no VM ${src.vm}`);
      const last = trace.cpuCores.t[trace.cpuCores.t.length - 1]!;
      const shiftMs = Math.floor((DEMO_END_MS - last) / DAY_MS) * DAY_MS;
      if (trace.source === 'bitbrains') {
        rows(src.workload, 'cpu_cores', trace.cpuCores, shiftMs, lines);
        if (trace.memoryGiB) rows(src.workload, 'memory_gib', trace.memoryGiB, shiftMs, lines);
      } else {
        // Azure V1 has relative time only and no core count: keep the recorded percentage.
        rows(src.workload, 'cpu_percent', trace.cpuPercent!, DEMO_END_MS - last, lines);
      }
    }
    result[stack] = `${lines.join('\n')}\n`;
  }
  return result;
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  const tracesDir = process.argv[2] ?? path.resolve(root, 'data/traces');
  const outDir = process.argv[3] ?? path.join(root, 'stacks', 'usage');
  mkdirSync(outDir, { recursive: true });
  const built = buildDemoUsage(tracesDir);
  for (const stack of ['prod', 'dev'] as const) {
    const file = path.join(outDir, `${stack}.csv`);
    writeFileSync(file, built[stack]);
    process.stdout.write(`${file}: ${built[stack].split('\n').length - 2} rows\n`);
  }
}
