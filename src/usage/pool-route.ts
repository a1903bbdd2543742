/**
 * Several pool readers at once (Prometheus for every cloud, each cloud monitor for its own): a
 * pool goes to the first reader that serves its cloud; one that answers "no data" for it passes
 * it to the next. A failed read stops there (the run must not read it as "nothing to size").
 */
import type { Cloud, UsageRange, Workload } from '../model';
import type { PoolUsage, PoolUsageSource } from './pool-contract';

export interface PoolReader {
  readonly reader: PoolUsageSource;
  /** The cloud it serves; undefined: any. */
  readonly cloud?: Cloud;
}

export function routedPoolSource(readers: readonly PoolReader[]): PoolUsageSource {
  return {
    name: readers.map((r) => r.reader.name).join(', '),
    async fetchPools(pools: readonly Workload[], range: UsageRange): Promise<PoolUsage> {
      const demands: PoolUsage['demands'] = new Map();
      const warnings: string[] = [];
      const reasons = new Map<string, string[]>();
      const failed = new Map<string, string>();
      let left = [...pools];
      for (const { reader, cloud } of readers) {
        const mine = left.filter((w) => cloud === undefined || w.cloud === cloud);
        if (mine.length === 0) continue;
        const got = await reader.fetchPools(mine, range);
        for (const [urn, demand] of got.demands) demands.set(urn, demand);
        warnings.push(...(got.warnings ?? []));
        for (const m of got.missing) {
          if (m.failed) failed.set(m.urn, m.reason);
          else reasons.set(m.urn, [...(reasons.get(m.urn) ?? []), m.reason]);
        }
        left = left.filter((w) => !demands.has(w.urn) && !failed.has(w.urn));
      }
      const missing: PoolUsage['missing'] = [...failed].map(([urn, reason]) => ({ urn, reason, failed: true }));
      for (const w of left) {
        const why = reasons.get(w.urn);
        missing.push({
          urn: w.urn,
          reason: why
            ? why.join('; ')
            : `${w.name}: no pool metrics source serves ${w.cloud} pools (${readers.map((r) => r.reader.name).join(', ')})`,
        });
      }
      return warnings.length > 0 ? { demands, missing, warnings } : { demands, missing };
    },
  };
}
