/**
 * On-disk cache of fetched usage, one JSON file per (source, resource, range, step), so that a
 * re-run over the same range does not call the monitoring APIs again. Files are written to a
 * temporary name and renamed into place: a crash never leaves a half-written entry, and
 * concurrent runs at worst both fetch. Only successful series are cached; misses, errors and
 * "no data" are asked again next time.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../atomic-write';
import type { UsageRange, UsageResult, UsageSeries, UsageSource, Workload } from '../model';

export const DEFAULT_CACHE_DIR = '.stackfit-cache';
const CACHE_VERSION = 1;

const seriesSchema = z.object({ t: z.array(z.number()), v: z.array(z.number()) });
const entrySchema = z.object({
  version: z.literal(CACHE_VERSION),
  key: z.string(),
  series: z.object({
    urn: z.string(),
    cpuCores: seriesSchema,
    memoryGiB: seriesSchema.optional(),
    source: z.string(),
    // A multi-instance workload's busiest-instance evidence (instances.ts), so cached runs say the same.
    instanceMax: z
      .object({ served: z.number(), total: z.number(), cpuCoresMax: seriesSchema, memoryGiBMax: seriesSchema.optional() })
      .optional(),
  }),
});

/** A source that can say what, besides its name, changes its answers (queries, statistic, …). */
export interface CacheableSource extends UsageSource {
  readonly cacheKey?: string;
}

export interface UsageCacheOptions {
  dir?: string;
  /** Called before fetching with the number of workloads answered from the cache. */
  onHits?: (hits: number) => void;
}

/**
 * What identifies one cached answer. The workload's size is in it because percentages become
 * cores and GiB with the size's vCPU count and memory.
 */
export function cacheKeyFor(source: CacheableSource, w: Workload, range: UsageRange): string {
  const ids = Object.entries(w.metricIds).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify({
    source: source.name,
    options: source.cacheKey ?? '',
    urn: w.urn,
    ids,
    size: w.size,
    kind: w.kind,
    start: range.start.toISOString(),
    end: range.end.toISOString(),
    step: range.stepSeconds,
  });
}

function fileFor(dir: string, source: CacheableSource, key: string): string {
  const folder = source.name.replace(/[^a-zA-Z0-9._-]+/g, '_');
  return join(dir, folder, `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.json`);
}

/** Wraps a source: cached workloads are answered from disk, the rest fetched in one call and stored. */
export function cachedUsageSource<S extends CacheableSource>(
  source: S,
  opts: UsageCacheOptions = {},
): UsageSource & { readonly inner: S; readonly cacheStats: { hits: number; misses: number } } {
  const dir = opts.dir ?? DEFAULT_CACHE_DIR;
  const folder = join(dir, source.name.replace(/[^a-zA-Z0-9._-]+/g, '_'));
  const cacheStats = { hits: 0, misses: 0 };
  return {
    name: source.name,
    inner: source,
    cacheStats,
    async fetch(workloads: readonly Workload[], range: UsageRange): Promise<UsageResult> {
      const series = new Map<string, UsageSeries>();
      const toFetch: Workload[] = [];
      const keys = new Map<string, string>();
      for (const w of workloads) {
        const key = cacheKeyFor(source, w, range);
        keys.set(w.urn, key);
        const hit = readEntry(fileFor(dir, source, key), key);
        if (hit) {
          series.set(w.urn, { ...hit, urn: w.urn });
          cacheStats.hits++;
        } else {
          toFetch.push(w);
          cacheStats.misses++;
        }
      }
      opts.onHits?.(series.size);
      if (toFetch.length === 0) return { series, missing: [] };
      const fresh = await source.fetch(toFetch, range);
      mkdirSync(folder, { recursive: true });
      for (const [urn, s] of fresh.series) {
        series.set(urn, s);
        const key = keys.get(urn);
        // A partial series (memory unread) is used once, with the source's warning, never reused silently.
        if (key && !s.partial) writeFileAtomic(fileFor(dir, source, key), JSON.stringify({ version: CACHE_VERSION, key, series: s }));
      }
      return fresh.warnings ? { series, missing: fresh.missing, warnings: fresh.warnings } : { series, missing: fresh.missing };
    },
  };
}

function readEntry(file: string, key: string): UsageSeries | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = entrySchema.safeParse(JSON.parse(text));
    // A hash collision or an entry from another version is a miss, never wrong data.
    if (!parsed.success || parsed.data.key !== key) return undefined;
    const { urn, cpuCores, memoryGiB, source, instanceMax } = parsed.data.series;
    return { urn, cpuCores, ...(memoryGiB ? { memoryGiB } : {}), source, ...(instanceMax ? { instanceMax } : {}) };
  } catch {
    return undefined;
  }
}
