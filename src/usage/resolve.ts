/**
 * From `--usage` / `usage.sources` spec strings to usage sources, and running them together.
 *
 * Specs: a file path (CSV/JSON, see docs/usage-files.md), `prometheus://host:port`,
 * `prometheus+https://host[:port][/path]`, `cloudwatch[:region]`, `azure-monitor`,
 * `gcp-monitoring[:project]`. Cloud sources are asked only for workloads of their cloud;
 * Prometheus and files for all. When several sources have data for a workload the first in the
 * list wins. API sources are cached on disk (see cache.ts).
 */
export { fetchUsage } from './fetch';
import type { StackfitConfig } from '../config/schema';
import { StackfitError } from '../model';
import type { Cloud, UsageRange, UsageSource, Workload } from '../model';
import { azureMonitorUsageSource, type AzureMonitorSourceOptions } from './azure-monitor';
import { cachedUsageSource, DEFAULT_CACHE_DIR, type CacheableSource } from './cache';
import { cloudWatchUsageSource, type CloudWatchSourceOptions } from './cloudwatch';
import { fileUsageSource } from './file';
import { gcpMonitoringUsageSource, type GcpMonitoringSourceOptions } from './gcp-monitoring';
import type { ProgressOptions } from './progress';
import { prometheusBaseUrl, prometheusUsageSource, type PrometheusSourceOptions } from './prometheus';

export type VcpuOf = (w: Workload) => number | undefined;
export type MemoryGiBOf = (w: Workload) => number | undefined;

export interface ResolveUsageOptions {
  config: StackfitConfig;
  vcpuOf?: VcpuOf;
  memoryGiBOf?: MemoryGiBOf;
  /** Cache directory for API sources; default `usage.cacheDir` or `.stackfit-cache`. */
  cacheDir?: string;
  /** False: no cache. */
  cache?: boolean;
  /** Show progress while fetching (a bar on a TTY, lines every 10 % otherwise). */
  progress?: boolean;
  progressOptions?: ProgressOptions;
  /** Per-source overrides (endpoints, credentials, retry bounds), e.g. for tests or the CLI. */
  sourceOptions?: {
    prometheus?: Partial<PrometheusSourceOptions>;
    cloudwatch?: Partial<CloudWatchSourceOptions>;
    azureMonitor?: Partial<AzureMonitorSourceOptions>;
    gcpMonitoring?: Partial<GcpMonitoringSourceOptions>;
  };
  env?: NodeJS.ProcessEnv;
}

/** A source as resolved from a spec: which workloads it is for, its request count, progress hook. */
export interface ResolvedUsageSource extends UsageSource {
  readonly spec: string;
  /** The cloud it serves (undefined: any workload). */
  readonly cloud?: Cloud;
  /** HTTP requests / API calls made so far (API sources). */
  readonly stats?: { requests: number };
  readonly cacheStats?: { hits: number; misses: number };
  /** Whether fetchUsage shows progress by default (`progress` given to resolveUsageSources). */
  readonly showProgress?: boolean;
  readonly progressOptions?: ProgressOptions;
  /** Set by fetchUsage: receives the number of workloads done. */
  setProgress(report: ((done: number) => void) | undefined): void;
}

export function resolveUsageSources(specs: readonly string[], opts: ResolveUsageOptions): ResolvedUsageSource[] {
  const env = opts.env ?? process.env;
  const cacheDir = opts.cacheDir ?? opts.config.usage.cacheDir ?? DEFAULT_CACHE_DIR;
  const catalog = { ...(opts.vcpuOf ? { vcpuOf: opts.vcpuOf } : {}), ...(opts.memoryGiBOf ? { memoryGiBOf: opts.memoryGiBOf } : {}) };
  const display = { showProgress: opts.progress ?? false, ...(opts.progressOptions ? { progressOptions: opts.progressOptions } : {}) };
  const seen = new Set<string>();
  return specs.map((raw) => {
    const spec = raw.trim();
    if (seen.has(spec)) throw new StackfitError('usage source listed twice', spec);
    seen.add(spec);
    let report: ((done: number) => void) | undefined;
    let hits = 0;
    const onProgress = (done: number): void => report?.(hits + done);

    const api = (source: CacheableSource & { stats: { requests: number } }, cloud?: Cloud): ResolvedUsageSource => {
      const base = { spec, stats: source.stats, ...(cloud ? { cloud } : {}), ...display, setProgress: (r: ((done: number) => void) | undefined) => (report = r) };
      if (opts.cache === false) return { ...base, name: source.name, fetch: (w, r) => source.fetch(w, r) };
      const cached = cachedUsageSource(source, {
        dir: cacheDir,
        onHits: (n) => {
          hits = n;
          if (n > 0) report?.(n);
        },
      });
      return { ...base, name: cached.name, cacheStats: cached.cacheStats, fetch: (w, r) => cached.fetch(w, r) };
    };

    if (/^prometheus(\+https?)?:\/\//.test(spec)) {
      const p = opts.config.usage.prometheus;
      const token = env.STACKFIT_PROMETHEUS_TOKEN;
      return api(
        prometheusUsageSource(prometheusBaseUrl(spec), {
          ...(p.joinLabel ? { joinLabel: p.joinLabel } : {}),
          ...(p.joinOn ? { joinOn: p.joinOn } : {}),
          ...(p.cpuQuery ? { cpuQuery: p.cpuQuery } : {}),
          ...(p.memoryQuery ? { memoryQuery: p.memoryQuery } : {}),
          ...(token ? { bearerToken: token } : {}),
          ...opts.sourceOptions?.prometheus,
          onProgress,
        }),
      );
    }
    const cw = /^cloudwatch(?::([a-z0-9-]+))?$/.exec(spec);
    if (cw) {
      return api(cloudWatchUsageSource({ ...(cw[1] ? { region: cw[1] } : {}), ...catalog, ...opts.sourceOptions?.cloudwatch, onProgress }), 'aws');
    }
    if (spec === 'azure-monitor') {
      return api(azureMonitorUsageSource({ ...catalog, ...opts.sourceOptions?.azureMonitor, onProgress }), 'azure');
    }
    const gcp = /^gcp-monitoring(?::([a-z][-a-z0-9]{4,28}[a-z0-9]))?$/.exec(spec);
    if (gcp) {
      return api(gcpMonitoringUsageSource({ ...(gcp[1] ? { project: gcp[1] } : {}), ...catalog, ...opts.sourceOptions?.gcpMonitoring, onProgress }), 'gcp');
    }
    if (/^[a-z][a-z0-9+-]*:(?!\\)/i.test(spec) && !/^[a-z]:[\\/]/i.test(spec)) {
      throw new StackfitError(
        'unknown usage source: expected a file path, prometheus://host:port, prometheus+https://…, cloudwatch[:region], azure-monitor or gcp-monitoring[:project]',
        spec,
      );
    }
    const file = fileUsageSource(spec, catalog);
    return {
      name: file.name,
      spec,
      ...display,
      fetch: async (w: readonly Workload[], r: UsageRange) => {
        const result = await file.fetch(w, r);
        report?.(w.length);
        return result;
      },
      setProgress: (r) => (report = r),
    };
  });
}

