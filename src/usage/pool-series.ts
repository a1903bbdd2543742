/**
 * Whole-group series from what the cloud monitors report for a VM group (pure): either the mean
 * per-node value and the node count over time (CloudWatch by AutoScalingGroupName, Azure Monitor
 * on a scale set), or one series per instance (Cloud Monitoring by instance group).
 */
import type { Series } from '../model';

/**
 * Group total at each sample = per-node mean × nodes at that time. `nodes` is carried forward
 * over its gaps (and back before its first point); without it, `declared` nodes throughout.
 */
export function perNodeTimesNodes(perNode: Series, nodes: Series | undefined, declared: number): Series {
  const out: Series = { t: [], v: [] };
  let j = 0;
  let n = nodes && nodes.v.length > 0 ? nodes.v[0]! : declared;
  for (let i = 0; i < perNode.t.length; i++) {
    const t = perNode.t[i]!;
    if (nodes) {
      while (j < nodes.t.length && nodes.t[j]! <= t) n = nodes.v[j++]!;
    }
    out.t.push(t);
    out.v.push(perNode.v[i]! * n);
  }
  return out;
}

/** Per sample time: the sum over instances (gaps left out, never read as zero) and how many instances reported. */
export function sumAcrossInstances(series: Iterable<Series>): { total: Series; count: Series } {
  const at = new Map<number, { sum: number; n: number }>();
  for (const s of series) {
    for (let i = 0; i < s.t.length; i++) {
      const acc = at.get(s.t[i]!);
      if (acc) {
        acc.sum += s.v[i]!;
        acc.n++;
      } else at.set(s.t[i]!, { sum: s.v[i]!, n: 1 });
    }
  }
  const times = [...at.keys()].sort((a, b) => a - b);
  return {
    total: { t: times, v: times.map((t) => at.get(t)!.sum) },
    count: { t: times, v: times.map((t) => at.get(t)!.n) },
  };
}
