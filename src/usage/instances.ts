/**
 * Workloads that stand for several VMs (`metricIds.instances`, e.g. the example project's
 * component with `count: 3`): a monitoring source reads every instance, and the instances'
 * series are combined into the one per-instance series the pipeline sizes with.
 *
 * CPU is the MEAN across instances at each timestamp. The plan keeps the workload's count and
 * sizes one instance for it, so the CPU need per instance is the fleet's total load divided by the
 * count — the mean — on the assumption that the fleet spreads load over its instances (a load
 * balancer, a shared queue). The busiest instance's CPU is kept as well (`instanceMax`) for
 * evidence; sizing for it would size every instance for the hottest one.
 * Memory is the MAXIMUM across instances at each timestamp: memory does not spread over a load
 * balancer — every instance holds its own process, heap and cache — so each instance's size must
 * hold the largest instance's memory, or that instance is killed (an idle replica at 1 GiB must
 * not pull a 12 GiB peak down to a 10 GiB size).
 */
import type { InstanceMetricIds, Series, UsageRange, UsageResult, UsageSeries, UsageSource, Workload } from '../model';

/** Separates a workload's URN from an instance's index in the URNs sources see. */
const INSTANCE_MARK = '#instance-';

/** How the instances of one workload were combined (attached to its `UsageSeries`). */
export interface InstanceCombination {
  /** Instances with CPU data / instances the workload has. */
  served: number;
  total: number;
  /** Per timestamp, the busiest instance (for evidence, not for sizing). */
  cpuCoresMax: Series;
  memoryGiBMax?: Series;
}

export type CombinedUsageSeries = UsageSeries & { instanceMax?: InstanceCombination };

/** A readable label for one instance: the id a user would look for in their console. */
function instanceLabel(ids: InstanceMetricIds, index: number): string {
  return (
    ids.hostname ?? ids.awsInstanceId ?? ids.gcpInstanceId ?? ids.azureResourceId?.split('/').pop() ?? ids.awsDbInstanceId ?? `#${index}`
  );
}

/**
 * One workload per instance for a workload with `metricIds.instances`, each with that instance's
 * ids (and the workload's name, size and place); other workloads as they are.
 */
export function expandInstances(workloads: readonly Workload[]): { expanded: Workload[]; parents: Map<string, Workload> } {
  const expanded: Workload[] = [];
  const parents = new Map<string, Workload>();
  for (const w of workloads) {
    const instances = w.metricIds.instances;
    if (!instances || instances.length === 0) {
      expanded.push(w);
      continue;
    }
    parents.set(w.urn, w);
    instances.forEach((ids, index) => {
      const { instances: _all, ...own } = w.metricIds;
      // A GCP instance's project defaults to the workload's (all VMs of a component share it).
      const gcpProject = ids.gcpProject ?? own.gcpProject;
      expanded.push({
        ...w,
        urn: `${w.urn}${INSTANCE_MARK}${index}`,
        count: 1,
        metricIds: { name: own.name, ...ids, ...(gcpProject ? { gcpProject } : {}) },
      });
    });
  }
  return { expanded, parents };
}

/**
 * Per timestamp, the mean (and the maximum) of the values of the series that have a point there.
 * An instance with a gap at a timestamp does not pull the mean towards zero: it is left out.
 */
export function meanAndMaxAcross(series: readonly Series[]): { mean: Series; max: Series } {
  const sum = new Map<number, { total: number; n: number; max: number }>();
  for (const s of series) {
    for (let i = 0; i < s.t.length; i++) {
      const t = s.t[i]!;
      const v = s.v[i]!;
      const acc = sum.get(t);
      if (acc) {
        acc.total += v;
        acc.n++;
        if (v > acc.max) acc.max = v;
      } else sum.set(t, { total: v, n: 1, max: v });
    }
  }
  const times = [...sum.keys()].sort((a, b) => a - b);
  return {
    mean: { t: times, v: times.map((t) => sum.get(t)!.total / sum.get(t)!.n) },
    max: { t: times.slice(), v: times.map((t) => sum.get(t)!.max) },
  };
}

/**
 * Combines the per-instance results of `expandInstances` back into one result per workload:
 * CPU the mean and memory the maximum across the instances with data; a warning when only some have data (with the others'
 * reasons); missing when none has.
 */
export function combineInstances(result: UsageResult, parents: ReadonlyMap<string, Workload>, sourceName: string): UsageResult {
  if (parents.size === 0) return result;
  const series = new Map<string, UsageSeries>();
  const missing: UsageResult['missing'] = [];
  const warnings = [...(result.warnings ?? [])];
  const parentOf = (urn: string): { parent: Workload; index: number } | undefined => {
    const at = urn.lastIndexOf(INSTANCE_MARK);
    if (at < 0) return undefined;
    const parent = parents.get(urn.slice(0, at));
    return parent ? { parent, index: Number(urn.slice(at + INSTANCE_MARK.length)) } : undefined;
  };
  const served = new Map<string, UsageSeries[]>();
  const reasons = new Map<string, { index: number; text: string }[]>();
  /** Parents with an instance the source failed to read (not "no data"): the run must not size them on the rest. */
  const unread = new Set<string>();
  for (const [urn, s] of result.series) {
    const of = parentOf(urn);
    if (!of) series.set(urn, s);
    else served.set(of.parent.urn, [...(served.get(of.parent.urn) ?? []), s]);
  }
  for (const m of result.missing) {
    const of = parentOf(m.urn);
    if (!of) {
      missing.push(m);
      continue;
    }
    const label = instanceLabel(of.parent.metricIds.instances?.[of.index] ?? {}, of.index);
    // The source's name is said once, in front of the workload's message.
    const reason = m.reason.startsWith(`${sourceName}: `) ? m.reason.slice(sourceName.length + 2) : m.reason;
    if (m.failed) unread.add(of.parent.urn);
    reasons.set(of.parent.urn, [...(reasons.get(of.parent.urn) ?? []), { index: of.index, text: `${label}: ${reason}` }]);
  }
  for (const [urn, parent] of parents) {
    const total = parent.metricIds.instances?.length ?? 0;
    const parts = served.get(urn) ?? [];
    const why = (reasons.get(urn) ?? []).sort((a, b) => a.index - b.index).map((r) => r.text);
    if (unread.has(urn)) {
      missing.push({
        urn,
        reason: `${sourceName}: could not read ${total - parts.length} of the ${total} instances (${why.join('; ')})`,
        failed: true,
      });
      continue;
    }
    if (parts.length === 0) {
      missing.push({ urn, reason: `${sourceName}: no data for any of the ${total} instances (${why.join('; ')})` });
      continue;
    }
    if (parts.length < total) {
      warnings.push(
        `${parent.name}: ${sourceName} has usage for ${parts.length} of ${total} instances, sized from those (${why.join('; ')})`,
      );
    }
    const cpu = meanAndMaxAcross(parts.map((p) => p.cpuCores));
    const memParts = parts.flatMap((p) => (p.memoryGiB ? [p.memoryGiB] : []));
    const memory = memParts.length > 0 ? meanAndMaxAcross(memParts) : undefined;
    const combined: CombinedUsageSeries = {
      urn,
      cpuCores: cpu.mean,
      // Per instance, never the mean: see the file comment.
      ...(memory ? { memoryGiB: memory.max } : {}),
      source: parts[0]!.source,
      ...(parts.some((p) => p.partial) && { partial: true }),
      instanceMax: { served: parts.length, total, cpuCoresMax: cpu.max, ...(memory ? { memoryGiBMax: memory.max } : {}) },
    };
    series.set(urn, combined);
  }
  return warnings.length > 0 ? { series, missing, warnings } : { series, missing };
}

/**
 * Wraps a source's fetch so that multi-instance workloads are read per instance (in the same
 * batched calls as every other workload) and combined. The source keeps its other properties.
 */
export function fetchPerInstance(
  fetch: (workloads: readonly Workload[], range: UsageRange) => Promise<UsageResult>,
  sourceName: string,
): UsageSource['fetch'] {
  return async (workloads, range) => {
    const { expanded, parents } = expandInstances(workloads);
    return combineInstances(await fetch(expanded, range), parents, sourceName);
  };
}

/** Nearest-rank percentile (0–100) of some values. */
function percentileOf(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * The evidence note for a combined series: how many instances the mean is over, and what the
 * busiest instance reached (p95 and max per timestamp), so a reviewer sees the spread the mean hides.
 * Undefined for a series of one instance.
 */
export function instanceEvidenceNote(series: UsageSeries): string | undefined {
  const combined = (series as CombinedUsageSeries).instanceMax;
  if (!combined || combined.cpuCoresMax.v.length === 0) return undefined;
  const cpu = combined.cpuCoresMax.v;
  const parts = [`CPU p95 ${round2(percentileOf(cpu, 95))} · max ${round2(Math.max(...cpu))} cores`];
  const mem = combined.memoryGiBMax?.v;
  if (mem && mem.length > 0) parts.push(`memory p95 ${round2(percentileOf(mem, 95))} · max ${round2(Math.max(...mem))} GiB`);
  const of = combined.served < combined.total ? `${combined.served} of ${combined.total}` : `${combined.total}`;
  return `CPU is the mean of ${of} instances, memory the largest instance's; the busiest instance: ${parts.join(', ')}`;
}
