/**
 * kube-state-metrics series for a test cluster, written as OpenMetrics for `promtool` backfill
 * (see test/support/prometheus.ts). The cluster's pods are real Bitbrains VMs (data/traces): a
 * VM stands for one pod that requests what the VM was provisioned with, and the pod exists in
 * each hour the trace has samples. Nodes report the allocatable stackfit computes for their
 * type. DaemonSets: aws-node (the Amazon VPC CNI's default request, 25m CPU) and kube-proxy
 * (the EKS add-on's default, 100m CPU) on every node. Every pod has `kube_pod_info` (its node)
 * and `kube_pod_status_phase` (Running unless the test says otherwise).
 */
import { createWriteStream } from 'node:fs';
import type { Trace } from '../../src/usage/traces';

const HOUR_MS = 3_600_000;
const GIB = 2 ** 30;

export interface TestNode {
  name: string;
  /** KSM label name and value that select its pool (`label_eks_amazonaws_com_nodegroup`, `apps`). */
  poolLabel: string;
  pool: string;
  allocatable: { cpu: number; memoryGiB: number };
}

export interface TestPod {
  namespace: string;
  pod: string;
  node: string;
  cpu: number;
  memoryGiB: number;
  ownerKind: 'ReplicaSet' | 'DaemonSet' | 'Job';
  /** kube_pod_status_phase (default Running): Succeeded / Failed pods are still listed, with their requests. */
  phase?: 'Running' | 'Succeeded' | 'Failed';
  /** Hours (Unix ms, on the hour) the pod exists. */
  hours: ReadonlySet<number>;
}

export const EKS_DAEMONSETS = [
  { name: 'aws-node', cpu: 0.025, memoryGiB: 0 },
  { name: 'kube-proxy', cpu: 0.1, memoryGiB: 0 },
] as const;

/** Hours a trace has samples in. */
export function traceHours(trace: Trace): Set<number> {
  return new Set(trace.cpuCores.t.map((t) => Math.floor(t / HOUR_MS) * HOUR_MS));
}

/** Pods for traces, placed round-robin on the nodes. */
export function podsFromTraces(traces: readonly Trace[], nodes: readonly TestNode[], namespace: string): TestPod[] {
  return traces.map((trace, i) => {
    if (!trace.provisioned) throw new Error(`${trace.id}: no provisioned size`);
    return {
      namespace,
      pod: `vm-${trace.id.replace(/\.csv$/, '')}`,
      node: nodes[i % nodes.length]!.name,
      cpu: trace.provisioned.vcpu,
      memoryGiB: trace.provisioned.memoryGiB,
      ownerKind: 'ReplicaSet' as const,
      hours: traceHours(trace),
    };
  });
}

export function daemonSetPods(nodes: readonly TestNode[], hours: ReadonlySet<number>): TestPod[] {
  return nodes.flatMap((node) =>
    EKS_DAEMONSETS.map((ds) => ({
      namespace: 'kube-system',
      pod: `${ds.name}-${node.name}`,
      node: node.name,
      cpu: ds.cpu,
      memoryGiB: ds.memoryGiB,
      ownerKind: 'DaemonSet' as const,
      hours,
    })),
  );
}

export async function writeKubeMetrics(
  file: string,
  nodes: readonly TestNode[],
  pods: readonly TestPod[],
  hours: readonly number[],
): Promise<void> {
  const out = createWriteStream(file);
  const lines: string[] = [];
  const family = (name: string): void => void lines.push(`# TYPE ${name} gauge`);
  const at = (t: number): string => String(t / 1000);
  family('kube_node_labels');
  for (const n of nodes) for (const t of hours) lines.push(`kube_node_labels{node="${n.name}",${n.poolLabel}="${n.pool}"} 1 ${at(t)}`);
  family('kube_node_status_allocatable');
  for (const n of nodes) {
    for (const t of hours)
      lines.push(`kube_node_status_allocatable{node="${n.name}",resource="cpu",unit="core"} ${n.allocatable.cpu} ${at(t)}`);
    for (const t of hours)
      lines.push(
        `kube_node_status_allocatable{node="${n.name}",resource="memory",unit="byte"} ${Math.round(n.allocatable.memoryGiB * GIB)} ${at(t)}`,
      );
  }
  family('kube_pod_container_resource_requests');
  for (const p of pods) {
    const labels = `namespace="${p.namespace}",pod="${p.pod}",container="main",node="${p.node}"`;
    for (const t of hours)
      if (p.hours.has(t)) lines.push(`kube_pod_container_resource_requests{${labels},resource="cpu",unit="core"} ${p.cpu} ${at(t)}`);
    for (const t of hours)
      if (p.hours.has(t))
        lines.push(
          `kube_pod_container_resource_requests{${labels},resource="memory",unit="byte"} ${Math.round(p.memoryGiB * GIB)} ${at(t)}`,
        );
  }
  family('kube_pod_owner');
  for (const p of pods) {
    for (const t of hours)
      if (p.hours.has(t))
        lines.push(
          `kube_pod_owner{namespace="${p.namespace}",pod="${p.pod}",owner_kind="${p.ownerKind}",owner_name="${p.pod}-owner"} 1 ${at(t)}`,
        );
  }
  family('kube_pod_status_phase');
  for (const p of pods) {
    for (const phase of ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']) {
      const value = phase === (p.phase ?? 'Running') ? 1 : 0;
      for (const t of hours)
        if (p.hours.has(t))
          lines.push(`kube_pod_status_phase{namespace="${p.namespace}",pod="${p.pod}",phase="${phase}"} ${value} ${at(t)}`);
    }
  }
  family('kube_pod_info');
  for (const p of pods) {
    for (const t of hours)
      if (p.hours.has(t)) lines.push(`kube_pod_info{namespace="${p.namespace}",pod="${p.pod}",node="${p.node}"} 1 ${at(t)}`);
  }
  lines.push('# EOF');
  await new Promise<void>((resolve, reject) => {
    out.write(lines.join('\n') + '\n');
    out.end((err?: Error | null) => (err ? reject(err) : resolve()));
  });
}
