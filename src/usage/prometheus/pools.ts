/**
 * Pool usage from Prometheus: kube-state-metrics (what the scheduler packs by) for Kubernetes
 * node pools, node_exporter for VM groups. One set of range queries per pool; the queries are
 * listed in docs/node-pools.md.
 */
import { StackfitError, type Series, type UsageRange, type Workload } from '../../model';
import type { PoolDemand, PoolUsage, PoolUsageSource } from '../pool-contract';
import { isSample, queryRangeResponseSchema } from './schema';
import { splitRange } from './index';

/** kube-state-metrics exports node label `a.b/c-d` as `label_a_b_c_d` on `kube_node_labels`. */
export function ksmLabelName(nodeLabel: string): string {
  return `label_${nodeLabel.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The PromQL for one Kubernetes pool (`{{nodes}}`: its nodes as `kube_node_labels` series, one per node). */
export function kubernetesPoolQueries(
  nodeLabel: string,
  poolName: string,
): Record<
  'cpu' | 'memory' | 'dsCpu' | 'dsMemory' | 'podCpu' | 'podMemory' | 'allocCpu' | 'allocMemory' | 'nodes' | 'pods' | 'dsPods',
  string
> {
  const nodes = `max by (node) (kube_node_labels{${ksmLabelName(nodeLabel)}=${quote(poolName)}})`;
  // Only pods that hold their requests: kube-state-metrics keeps listing Succeeded and Failed
  // pods (completed Jobs) until they are deleted, but the scheduler no longer counts them.
  const live = 'and on (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Running"} == 1)';
  const requests = (resource: string): string =>
    `(sum by (namespace, pod, node) (kube_pod_container_resource_requests{resource="${resource}"}) ${live})`;
  const daemonPods = 'max by (namespace, pod) (kube_pod_owner{owner_kind="DaemonSet"})';
  const onPool = (expr: string): string => `(${expr}) * on (node) group_left() ${nodes}`;
  const nonDaemon = (resource: string): string => onPool(`${requests(resource)} unless on (namespace, pod) ${daemonPods}`);
  const daemonPerNode = (resource: string): string =>
    `max(sum by (node) (${onPool(`${requests(resource)} * on (namespace, pod) group_left() ${daemonPods}`)}))`;
  const podsOnNodes = `(max by (namespace, pod, node) (kube_pod_info{node!=""}) ${live})`;
  const GiB = ' / 1073741824';
  return {
    pods: `count(${onPool(`${podsOnNodes} unless on (namespace, pod) ${daemonPods}`)})`,
    dsPods: `max(count by (node) (${onPool(`${podsOnNodes} and on (namespace, pod) ${daemonPods}`)}))`,
    cpu: `sum(${nonDaemon('cpu')})`,
    memory: `sum(${nonDaemon('memory')})${GiB}`,
    dsCpu: daemonPerNode('cpu'),
    dsMemory: `${daemonPerNode('memory')}${GiB}`,
    podCpu: `max(${nonDaemon('cpu')})`,
    podMemory: `max(${nonDaemon('memory')})${GiB}`,
    allocCpu: `avg(kube_node_status_allocatable{resource="cpu"} * on (node) group_left() ${nodes})`,
    allocMemory: `avg(kube_node_status_allocatable{resource="memory"} * on (node) group_left() ${nodes})${GiB}`,
    nodes: `count(${nodes})`,
  };
}

/** The PromQL for a VM group: node_exporter series carrying `<groupLabel>="<pool name>"`. */
export function vmGroupQueries(groupLabel: string, poolName: string, window: string): Record<'cpu' | 'memory' | 'nodes', string> {
  const sel = `${groupLabel}=${quote(poolName)}`;
  return {
    cpu: `sum(rate(node_cpu_seconds_total{mode!~"idle|iowait|steal",${sel}}[${window}]))`,
    memory: `sum(node_memory_MemTotal_bytes{${sel}} - node_memory_MemAvailable_bytes{${sel}}) / 1073741824`,
    nodes: `count(node_memory_MemTotal_bytes{${sel}})`,
  };
}

export interface PoolSourceOptions {
  /** node_exporter label naming a VM group's pool (default `group`). */
  groupLabel?: string;
  bearerToken?: string;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export type { PoolUsage, PoolUsageSource } from '../pool-contract';

export function prometheusPoolSource(baseUrl: string, opts: PoolSourceOptions = {}): PoolUsageSource {
  const endpoint = `${baseUrl.replace(/\/$/, '')}/api/v1/query_range`;
  const name = baseUrl.replace(/^http(s?):\/\//, (_m, s: string) => (s ? 'prometheus+https://' : 'prometheus://'));
  const doFetch = opts.fetchImpl ?? fetch;
  const groupLabel = opts.groupLabel ?? 'group';
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(groupLabel))
    throw new StackfitError(`"${groupLabel}" is not a valid Prometheus label name`, 'pools.groupLabel');

  async function range(query: string, r: UsageRange): Promise<Series> {
    const t: number[] = [];
    const v: number[] = [];
    for (const chunk of splitRange(r)) {
      const body = new URLSearchParams({ query, start: String(chunk.start), end: String(chunk.end), step: String(chunk.step) });
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
      if (opts.bearerToken) headers.authorization = `Bearer ${opts.bearerToken}`;
      let text: string;
      let status: number;
      try {
        const res = await doFetch(endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000) });
        status = res.status;
        text = await res.text();
      } catch (err) {
        throw new StackfitError(`request failed: ${(err as Error).message}`, endpoint);
      }
      let parsed;
      try {
        parsed = queryRangeResponseSchema.safeParse(JSON.parse(text));
      } catch {
        throw new StackfitError(`HTTP ${status}: not a Prometheus API response`, endpoint);
      }
      if (!parsed.success) throw new StackfitError(`HTTP ${status}: not a Prometheus query_range response`, endpoint);
      if (parsed.data.status === 'error') throw new StackfitError(`${parsed.data.errorType}: ${parsed.data.error}`, endpoint);
      // Aggregations return one series (or none when nothing matched).
      const series = parsed.data.data.result[0];
      for (const sample of series?.values ?? []) {
        if (!isSample(sample)) throw new StackfitError(`unexpected sample ${JSON.stringify(sample)}`, endpoint);
        const x = Number(sample[1]);
        if (!Number.isFinite(x)) continue;
        t.push(Math.round(sample[0] * 1000));
        v.push(x);
      }
    }
    return { t, v };
  }
  const peak = (s: Series): number => s.v.reduce((m, x) => (x > m ? x : m), 0);
  const mean = (s: Series): number | undefined => (s.v.length === 0 ? undefined : s.v.reduce((a, b) => a + b, 0) / s.v.length);

  async function kubernetes(w: Workload, r: UsageRange): Promise<PoolDemand | string> {
    const pool = w.pool!;
    if (!pool.nodeLabel || !pool.poolName)
      return `${w.name}: no node label selects this pool's nodes (self-managed nodes): give the pool a label, or size it by a usage file`;
    const q = kubernetesPoolQueries(pool.nodeLabel, pool.poolName);
    const nodes = await range(q.nodes, r);
    if (nodes.v.length === 0) {
      return `${name}: no kube-state-metrics series for ${pool.nodeLabel}=${pool.poolName} (kube_node_labels{${ksmLabelName(pool.nodeLabel)}="${pool.poolName}"}) in the window: is kube-state-metrics scraped, with that node label allowed (--metric-labels-allowlist)?`;
    }
    const [cpu, memory, dsCpu, dsMemory, podCpu, podMemory, allocCpu, allocMemory, pods, dsPods] = await Promise.all(
      [q.cpu, q.memory, q.dsCpu, q.dsMemory, q.podCpu, q.podMemory, q.allocCpu, q.allocMemory, q.pods, q.dsPods].map((query) =>
        range(query, r),
      ),
    );
    if (cpu!.v.length === 0)
      return `${name}: nodes of ${pool.poolName} found, but no kube_pod_container_resource_requests of Pending or Running pods (kube_pod_status_phase) on them in the window`;
    const allocC = mean(allocCpu!);
    const allocM = mean(allocMemory!);
    return {
      basis: 'requests',
      cpu: cpu!,
      ...(memory!.v.length > 0 && { memoryGiB: memory! }),
      nodes,
      ...(pods!.v.length > 0 && { pods: pods! }),
      perNodeOverhead: { cpu: peak(dsCpu!), memoryGiB: peak(dsMemory!), pods: peak(dsPods!) },
      largestPod: { cpu: peak(podCpu!), memoryGiB: peak(podMemory!) },
      ...(allocC !== undefined && allocM !== undefined && { allocatable: { cpu: allocC, memoryGiB: allocM } }),
    };
  }

  async function vmGroup(w: Workload, r: UsageRange): Promise<PoolDemand | string> {
    const poolName = w.pool?.poolName ?? w.name;
    const q = vmGroupQueries(groupLabel, poolName, `${Math.max(1, Math.round(r.stepSeconds))}s`);
    const [cpu, memory, nodes] = await Promise.all([q.cpu, q.memory, q.nodes].map((query) => range(query, r)));
    if (cpu!.v.length === 0) return `${name}: no node_exporter series with ${groupLabel}="${poolName}" in the window`;
    return {
      basis: 'utilisation',
      cpu: cpu!,
      ...(memory!.v.length > 0 && { memoryGiB: memory! }),
      ...(nodes!.v.length > 0 && { nodes: nodes! }),
      perNodeOverhead: { cpu: 0, memoryGiB: 0 },
    };
  }

  return {
    name,
    async fetchPools(pools, r) {
      const demands = new Map<string, PoolDemand>();
      const missing: PoolUsage['missing'] = [];
      for (const w of pools) {
        if (!w.pool) continue;
        try {
          const found = w.pool.kind === 'kubernetes' ? await kubernetes(w, r) : await vmGroup(w, r);
          if (typeof found === 'string') missing.push({ urn: w.urn, reason: found });
          else demands.set(w.urn, found);
        } catch (err) {
          // A query that failed says nothing about the pool: the run stops (planPools), it is not "no data".
          missing.push({ urn: w.urn, reason: `${name}: ${w.name}: ${err instanceof Error ? err.message : String(err)}`, failed: true });
        }
      }
      return { demands, missing };
    },
  };
}
