/**
 * End-to-end engine benchmark (issue: "10,000 workloads with 30 days of hourly CPU and memory
 * each, all three clouds allowed: inventory + forecast + plan in under 20 s and under 2 GiB").
 *
 * - Inventory: a `pulumi stack export` file with 10,000 VMs (EC2, Azure VMs, GCE instances) at
 *   real catalog sizes, read and parsed by `readInventory`.
 * - Usage: the real traces in data/traces (Bitbrains: cores + memory; Azure V1: CPU %),
 *   aggregated to hourly maxima, each workload a rotation of one real trace (values unchanged).
 * - Forecast, candidates (moves to any region of any cloud allowed), plan: the real pipeline.
 *
 *   npx tsx bench/pipeline.ts [workloads]
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadCatalog } from '../src/catalog';
import { stackfitConfigSchema } from '../src/config/schema';
import { recommend } from '../src/pipeline';
import { readInventory } from '../src/stack';
import { traceUsageSource, vmResource, writeStackExport } from './stack-export';

const N = Number(process.argv[2] ?? 10_000);
const DAYS = 30;
const NOW = Date.parse('2026-11-01T00:00:00Z');

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const catalog = loadCatalog();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stackfit-bench-'));
  const exportFile = path.join(dir, 'export.json');
  const exportBytes = writeStackExport(
    exportFile,
    Array.from({ length: N }, (_, i) => vmResource(i, `vm-${i}`)),
    NOW,
  );

  const t0 = performance.now();
  const inventory = readInventory(exportFile);
  const t1 = performance.now();

  // Each workload replays one real trace, rotated by a workload-specific number of hours.
  const hours = DAYS * 24;
  const usage = traceUsageSource(DAYS, NOW);
  const config = stackfitConfigSchema.parse({
    allowMove: true,
    lookbackDays: DAYS,
    groups: { g0: { minClouds: 2 }, g1: { minRegions: 2 } },
  });
  const t2 = performance.now();
  const { plan } = await recommend({ inventory, usage: [usage], config, catalog, now: new Date(NOW) });
  const t3 = performance.now();
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  const counts = plan.items.reduce<Record<string, number>>((acc, i) => ((acc[i.action] = (acc[i.action] ?? 0) + 1), acc), {});
  console.log(
    `workloads: ${inventory.workloads.length} (skipped ${inventory.skipped.length}); usage: ${hours} hourly points × CPU + memory per workload`,
  );
  console.log(`inventory (read + parse ${mib(exportBytes)} export): ${(t1 - t0).toFixed(0)} ms`);
  console.log(
    `usage + forecast + candidates + plan: ${(t3 - t2).toFixed(0)} ms (solver ${plan.solver.millis.toFixed(0)} ms, ${plan.solver.status}, ${plan.solver.variables} variables, ${plan.solver.constraints} constraints)`,
  );
  console.log(`total inventory + forecast + plan: ${((t1 - t0 + t3 - t2) / 1000).toFixed(2)} s; peak RSS ${mib(peakRss)}`);
  console.log(
    `LP bound ${plan.solver.lpBound?.toFixed(2) ?? 'n/a'}, objective ${plan.solver.objective.toFixed(2)}, gap ${plan.solver.gap !== undefined ? (plan.solver.gap * 100).toFixed(4) + ' %' : 'n/a'}`,
  );
  console.log(
    `actions: ${JSON.stringify(counts)}; monthly ${plan.totals.monthlyBefore.toFixed(0)} → ${plan.totals.monthlyAfter.toFixed(0)} USD`,
  );
  const ok = t1 - t0 + t3 - t2 < 20_000 && peakRss < 2 * 1024 ** 3;
  console.log(ok ? 'target met: < 20 s and < 2 GiB' : 'TARGET MISSED: < 20 s and < 2 GiB');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
