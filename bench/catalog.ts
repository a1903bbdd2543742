/**
 * Price catalog benchmark: `npx tsx bench/catalog.ts`.
 *
 * - cold load: a fresh process each run (nothing cached, modules not yet loaded), timing the
 *   import of the catalog module, `loadCatalog()`, the first lookup, and materialising every
 *   offering;
 * - lookups per second on a warm catalog, over real (cloud, region, size) keys;
 * - candidatesFor per workload, in place and across every region (after the first call, which
 *   prunes each place once per rule).
 *
 * Wall and CPU times are both printed: on a shared machine CPU time is the steadier figure.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const COLD_RUNS = 5;

interface ColdTimes {
  importMs: number;
  loadMs: number;
  /** CPU time of loadCatalog(): on a shared machine, closer to what it costs than wall time. */
  loadCpuMs: number;
  firstLookupMs: number;
  allOfferingsMs: number;
  offerings: number;
  rssMiB: number;
}

function child(): void {
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- timing the module's first load is the point
  const { loadCatalog } = require('../src/catalog/index') as typeof import('../src/catalog/index');
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  const catalog = loadCatalog();
  const loadCpu = process.cpuUsage(cpu0);
  const t2 = performance.now();
  if (!catalog.lookup('aws', 'us-east-1', 'm5.large')) throw new Error('m5.large missing');
  const t3 = performance.now();
  const all = catalog.offerings({});
  const t4 = performance.now();
  const times: ColdTimes = {
    importMs: t1 - t0,
    loadMs: t2 - t1,
    loadCpuMs: (loadCpu.user + loadCpu.system) / 1000,
    firstLookupMs: t3 - t2,
    allOfferingsMs: t4 - t3,
    offerings: all.length,
    rssMiB: process.memoryUsage().rss / 2 ** 20,
  };
  process.stdout.write(JSON.stringify(times));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const catalogDir = path.resolve(__dirname, '../catalog');
  const files = readdirSync(catalogDir).filter((f) => f.endsWith('.json'));
  const bytes = files.reduce((sum, f) => sum + statSync(path.join(catalogDir, f)).size, 0);
  console.log(`catalog: ${files.length} files, ${(bytes / 2 ** 20).toFixed(2)} MiB (${files.join(', ')})`);

  const tsx = path.resolve(__dirname, '../node_modules/.bin/tsx');
  const runs: ColdTimes[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const result = spawnSync(tsx, [__filename, '--child'], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`child failed: ${result.stderr}`);
    runs.push(JSON.parse(result.stdout) as ColdTimes);
  }
  const pick = (k: keyof ColdTimes) => median(runs.map((r) => r[k]));
  console.log(`cold, fresh process, median of ${COLD_RUNS}:`);
  console.log(`  import catalog module      ${pick('importMs').toFixed(1)} ms (tsx transpiles on the fly; less from dist/)`);
  console.log(`  loadCatalog() (parse+check) ${pick('loadMs').toFixed(1)} ms wall, ${pick('loadCpuMs').toFixed(1)} ms CPU`);
  console.log(`  first lookup (one region)  ${pick('firstLookupMs').toFixed(1)} ms`);
  console.log(`  materialise all ${pick('offerings')} offerings ${pick('allOfferingsMs').toFixed(1)} ms`);
  console.log(
    `  start-up total (load + first lookup) ${(pick('loadMs') + pick('firstLookupMs')).toFixed(1)} ms; RSS ${pick('rssMiB').toFixed(0)} MiB`,
  );

  // Loaded here, not at the top, so that the child processes time the module's first load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded here, after the child processes were timed
  const { loadCatalog, candidatesFor } = require('../src/catalog/index') as typeof import('../src/catalog/index');
  const catalog = loadCatalog();
  const keys = catalog.offerings({}).map((o) => [o.cloud, o.region, o.size, o.engine, o.multiAz] as const);
  // Warm up, then time a fixed number of lookups over every real key, in a scrambled order.
  const order = keys.map((_, i) => (i * 7919) % keys.length);
  let found = 0;
  const lookups = 2_000_000;
  for (let i = 0; i < 100_000; i++) {
    const [c, r, s, e, m] = keys[order[i % order.length]!]!;
    if (catalog.lookup(c, r, s, e === undefined ? undefined : { engine: e, multiAz: m })) found++;
  }
  found = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < lookups; i++) {
    const [c, r, s, e, m] = keys[order[i % order.length]!]!;
    if (catalog.lookup(c, r, s, e === undefined ? undefined : { engine: e, multiAz: m })) found++;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (found !== lookups) throw new Error(`only ${found} of ${lookups} lookups found an offering`);
  console.log(
    `lookups: ${(lookups / seconds / 1e6).toFixed(2)} M/s wall, ${(lookups / cpuSeconds / 1e6).toFixed(2)} M/s per CPU second (${lookups} over ${keys.length} real keys, scrambled)`,
  );

  const workload = {
    urn: 'urn:pulumi:dev::bench::aws:ec2/instance:Instance::web',
    name: 'web',
    type: 'aws:ec2/instance:Instance',
    kind: 'vm' as const,
    cloud: 'azure' as const,
    region: 'eastus',
    size: 'Standard_D4s_v5',
    count: 1,
    metricIds: { name: 'web' },
  };
  const evidence = (required: number) => ({ p50: 0, p95: 0, max: 0, forecastPeak: required, percentile: 99.5, headroom: 0.2, required });
  const demand = {
    urn: workload.urn,
    status: 'ok' as const,
    historyHours: 720,
    horizonDays: 30,
    cpu: evidence(2.5),
    memory: evidence(9),
    confidence: 'high' as const,
    allowDownsize: true,
    notes: [],
  };
  const base = {
    cpuPercentile: 99.5,
    memoryPercentile: 99.5,
    cpuHeadroom: 0.2,
    memoryHeadroom: 0.2,
    minHistoryHours: 30,
    horizonDays: 30,
    pin: false,
    excludeFamilies: [],
    allowPreviousGeneration: false,
  };
  for (const [label, rule] of [
    ['in place (one region)', { ...base, allowMove: false, clouds: ['aws', 'azure', 'gcp'] as const, regions: {} }],
    ['allowMove, all 3 clouds (133 regions)', { ...base, allowMove: true, clouds: ['aws', 'azure', 'gcp'] as const, regions: {} }],
  ] as const) {
    const runsCount = label.startsWith('in place') ? 2000 : 20;
    candidatesFor({ workload, demand, rule, catalog });
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    let n = 0;
    for (let i = 0; i < runsCount; i++) n += candidatesFor({ workload, demand, rule, catalog }).length;
    const ms = (performance.now() - start) / runsCount;
    const used = process.cpuUsage(cpuStart);
    const cpuMs = (used.user + used.system) / 1000 / runsCount;
    console.log(
      `candidatesFor, ${label}: ${ms.toFixed(3)} ms wall, ${cpuMs.toFixed(3)} ms CPU per workload (${n / runsCount} Pareto candidates)`,
    );
  }
}

if (process.argv.includes('--child')) child();
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
