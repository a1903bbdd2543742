/**
 * Usage-fetch benchmark against a REAL Prometheus: `npx tsx bench/usage.ts [--rebuild]`.
 * Needs Prometheus/promtool (scripts/ci/install-prometheus.sh).
 *
 * Data: the 10 real Bitbrains traces written as node_exporter metrics (see
 * test/support/prometheus.ts for the encoding), replicated across 1,000 `instance` labels
 * (`node-0000:9100` … `node-0999:9100`; node i carries trace i mod 10). Nothing is synthesised.
 * The TSDB is built once with promtool and kept under the OS temp dir (`--rebuild` to redo).
 *
 * Measured: 1,000 workloads × 30 days at 5-minute resolution fetched through
 * resolveUsageSources + fetchUsage (no cache), then turned into Demand with forecastDemand.
 * Printed: wall time per phase, peak RSS of this process and of Prometheus, requests.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ruleFor } from '../src/config/rules';
import { stackfitConfigSchema } from '../src/config/schema';
import { forecastDemand } from '../src/forecast/index';
import type { UsageRange, Workload } from '../src/model';
import { fetchUsage, resolveUsageSources } from '../src/usage/resolve';
import { readTraceDir } from '../src/usage/traces/index';
import { BITBRAINS_DIR, SLOT_SECONDS, backfill, startPrometheus, toSlots, writeOpenMetrics } from '../test/support/prometheus';

const WORKLOADS = 1000;
const DAYS = 30;
const FILES = 10;
const DATA_DIR = join(tmpdir(), 'stackfit-bench-usage-tsdb-v1');

const host = (i: number): string => `node-${String(i).padStart(4, '0')}`;
const mib = (kib: number): string => `${(kib / 1024).toFixed(0)} MiB`;

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function vmHwmKiB(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const traces = readTraceDir(BITBRAINS_DIR);
  const rebuild = process.argv.includes('--rebuild');
  if (rebuild) rmSync(DATA_DIR, { recursive: true, force: true });
  const haveBlocks = existsSync(DATA_DIR) && readdirSync(DATA_DIR).some((d) => /^01[0-9A-Z]{24}$/.test(d));
  if (!haveBlocks) {
    const t0 = performance.now();
    mkdirSync(DATA_DIR, { recursive: true });
    const scratch = mkdtempSync(join(tmpdir(), 'stackfit-bench-om-'));
    try {
      const perFile = WORKLOADS / FILES;
      for (let f = 0; f < FILES; f++) {
        const file = join(scratch, `part-${f}.om`);
        const instances = Array.from({ length: perFile }, (_, k) => {
          const i = f * perFile + k;
          return { instance: `${host(i)}:9100`, trace: traces[i % traces.length]! };
        });
        await writeOpenMetrics(file, instances);
        await backfill(DATA_DIR, [file]);
        rmSync(file);
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    // Let Prometheus merge the ten overlapping backfilled blocks, as a long-running server has.
    const compacting = await startPrometheus({ dataDir: DATA_DIR, keepData: true });
    const blocks = (): number => readdirSync(DATA_DIR).filter((d) => /^01[0-9A-Z]{24}$/.test(d)).length;
    for (const deadline = Date.now() + 600_000; blocks() > 4 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 2000));
    await compacting.stop();
    console.log(
      `setup: backfilled ${WORKLOADS} instances (${blocks()} blocks) in ${((performance.now() - t0) / 1000).toFixed(1)} s (kept in ${DATA_DIR})`,
    );
  }

  const t1 = performance.now();
  const prom = await startPrometheus({ dataDir: DATA_DIR, keepData: true });
  console.log(`setup: prometheus ready in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  try {
    const config = stackfitConfigSchema.parse({});
    const workloads: Workload[] = Array.from({ length: WORKLOADS }, (_, i) => ({
      urn: `urn:pulumi:bench::usage::aws:ec2/instance:Instance::${host(i)}`,
      name: host(i),
      type: 'aws:ec2/instance:Instance',
      kind: 'vm',
      cloud: 'aws',
      region: 'us-east-1',
      size: 'm5.xlarge',
      count: 1,
      metricIds: { name: host(i), hostname: host(i) },
    }));
    const start = Math.min(...traces.map((t) => toSlots(t.cpuCores).t[0]!));
    const range: UsageRange = { start: new Date(start), end: new Date(start + DAYS * 86_400_000), stepSeconds: SLOT_SECONDS };

    const rssBefore = process.resourceUsage().maxRSS;
    const cpuBefore = process.cpuUsage();
    const promCpuBefore = cpuSecondsOf(prom.pid);
    const t2 = performance.now();
    const sources = resolveUsageSources([`prometheus://127.0.0.1:${prom.port}`], { config, cache: false });
    const usage = await fetchUsage(sources, workloads, range);
    const fetchMs = performance.now() - t2;
    const cpu = process.cpuUsage(cpuBefore);
    const promCpu = cpuSecondsOf(prom.pid) - promCpuBefore;
    const points = [...usage.series.values()].reduce((n, s) => n + s.cpuCores.t.length + (s.memoryGiB?.t.length ?? 0), 0);

    const t3 = performance.now();
    let ok = 0;
    for (const w of workloads) {
      const demand = forecastDemand({ workload: w, usage: usage.series.get(w.urn), rule: ruleFor(config, w), now: range.end });
      if (demand.status === 'ok') ok++;
    }
    const forecastMs = performance.now() - t3;

    console.log(
      `fetch:    ${WORKLOADS} workloads × ${DAYS} days @ ${SLOT_SECONDS / 60} min: ${(fetchMs / 1000).toFixed(2)} s, ${points.toLocaleString('en')} points, ${usage.series.size} served, ${usage.missing.length} missing`,
    );
    console.log(
      `cpu:      fetch used ${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU s in stackfit + ${promCpu.toFixed(1)} CPU s in Prometheus (load average now ${(await import('node:os')).loadavg()[0]!.toFixed(1)} on ${(await import('node:os')).availableParallelism()} cores)`,
    );
    for (const s of sources) console.log(`requests: ${s.name}: ${s.stats?.requests ?? 0}`);
    console.log(`forecast: forecastDemand × ${WORKLOADS}: ${(forecastMs / 1000).toFixed(2)} s (${ok} ok)`);
    console.log(`total:    ${((fetchMs + forecastMs) / 1000).toFixed(2)} s (target < 60 s)`);
    console.log(
      `memory:   peak RSS ${mib(process.resourceUsage().maxRSS)} (before fetch ${mib(rssBefore)}; target < 1 GiB); prometheus peak RSS ${mib(vmHwmKiB(prom.pid) ?? 0)}`,
    );
  } finally {
    await prom.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
