/**
 * From `--usage` / `usage.sources` spec strings to usage sources. Which source a spec selects,
 * its options and the cloud it serves come from the registry (registry.ts): this file names no
 * source. Cloud sources are asked only for workloads of their cloud; Prometheus and files for
 * all. When several sources have data for a workload the first in the list wins. API sources
 * are cached on disk (see cache.ts).
 */
export { fetchUsage } from './fetch';
export type { ResolvedUsageSource } from './contract';
import type { StackfitConfig } from '../config/schema';
import { StackfitError } from '../model';
import type { UsageRange, Workload } from '../model';
import { cachedUsageSource, DEFAULT_CACHE_DIR } from './cache';
import type { BuiltUsageSource, ResolvedUsageSource, UsageSourceOverrides } from './contract';
import type { ProgressOptions } from './progress';
import { usageSources, usageSpecForms } from './registry';

export type VcpuOf = (w: Workload) => number | undefined;
export type MemoryGiBOf = (w: Workload) => number | undefined;
export type CapacityOf = (w: Workload) => { vcpu: number; memoryGiB: number } | undefined;

export interface ResolveUsageOptions {
  config: StackfitConfig;
  vcpuOf?: VcpuOf;
  memoryGiBOf?: MemoryGiBOf;
  /** vCPU and memory of a workload's size even where it has no price (plausibility warnings). */
  capacityOf?: CapacityOf;
  /** Cache directory for API sources; default `usage.cacheDir` or `.stackfit-cache`. */
  cacheDir?: string;
  /** False: no cache. */
  cache?: boolean;
  /** Show progress while fetching (a bar on a TTY, lines every 10 % otherwise). */
  progress?: boolean;
  progressOptions?: ProgressOptions;
  /** Per-source overrides (endpoints, credentials, retry bounds), e.g. for tests or the CLI, by source key. */
  sourceOptions?: UsageSourceOverrides;
  env?: NodeJS.ProcessEnv;
}

export function resolveUsageSources(specs: readonly string[], opts: ResolveUsageOptions): ResolvedUsageSource[] {
  const env = opts.env ?? process.env;
  const cacheDir = opts.cacheDir ?? opts.config.usage.cacheDir ?? DEFAULT_CACHE_DIR;
  const display = { showProgress: opts.progress ?? false, ...(opts.progressOptions ? { progressOptions: opts.progressOptions } : {}) };
  const seen = new Set<string>();
  return specs.map((raw) => {
    const spec = raw.trim();
    if (seen.has(spec)) throw new StackfitError('usage source listed twice', spec);
    seen.add(spec);
    let report: ((done: number) => void) | undefined;
    let hits = 0;
    const ctx = {
      usageConfig: opts.config.usage,
      overrides: opts.sourceOptions ?? {},
      env,
      ...(opts.vcpuOf ? { vcpuOf: opts.vcpuOf } : {}),
      ...(opts.memoryGiBOf ? { memoryGiBOf: opts.memoryGiBOf } : {}),
      ...(opts.capacityOf ? { capacityOf: opts.capacityOf } : {}),
      onProgress: (done: number): void => report?.(hits + done),
    };
    for (const plugin of usageSources) {
      const source = plugin.open(spec, ctx);
      if (!source) continue;
      const base = {
        spec,
        ...(plugin.cloud ? { cloud: plugin.cloud } : {}),
        ...(source.pools ? { pools: source.pools } : {}),
        ...display,
        setProgress: (r: ((done: number) => void) | undefined) => (report = r),
      };
      if (!plugin.api) return { ...base, name: source.name, fetch: afterFetch(source, (n) => report?.(n)) };
      const stats = source.stats ? { stats: source.stats } : {};
      if (opts.cache === false) return { ...base, ...stats, name: source.name, fetch: (w, r) => source.fetch(w, r) };
      const cached = cachedUsageSource(source, {
        dir: cacheDir,
        onHits: (n) => {
          hits = n;
          if (n > 0) report?.(n);
        },
      });
      return { ...base, ...stats, name: cached.name, cacheStats: cached.cacheStats, fetch: (w, r) => cached.fetch(w, r) };
    }
    throw new StackfitError(`unknown usage source: expected ${usageSpecForms()}`, spec);
  });
}

/** A local source reports its workloads done once it has answered. */
function afterFetch(source: BuiltUsageSource, report: (done: number) => void): ResolvedUsageSource['fetch'] {
  return async (w: readonly Workload[], r: UsageRange) => {
    const result = await source.fetch(w, r);
    report(w.length);
    return result;
  };
}
