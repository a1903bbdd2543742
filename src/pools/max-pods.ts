import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defaultCatalogDir } from '../catalog';
import { StackfitError, type Workload } from '../model';

/**
 * How many pods a node may run. The scheduler never places more, whatever their requests: a
 * pool of many small pods can need more nodes than its CPU and memory say.
 * - EKS: the Amazon VPC CNI gives each pod an IP of the node's ENIs, so the EKS AMI caps pods
 *   per instance type (ENIs × (IPs per ENI − 1) + 2). The table ships in the catalog
 *   (`catalog/aws-eks-max-pods.json`), built from Karpenter's instance-type reference
 *   (`k8s_allocatable_pods`, data/pricing/aws_ec2_instance_types_karpenter_v1.14_2026-08.csv).
 * - AKS: the pool's `maxPods` (the state has it; no default assumed: it depends on the network plugin).
 * - GKE: the pool's `maxPodsPerNode`, else the cluster's `defaultMaxPodsPerNode`, else GKE's
 *   default of 110 for Standard clusters.
 */

export const EKS_MAX_PODS_FILE = 'aws-eks-max-pods.json';
/** GKE Standard's default maximum pods per node. */
export const GKE_DEFAULT_MAX_PODS = 110;

export const eksMaxPodsRowSchema = z.object({
  instance_type: z.string().min(1),
  k8s_allocatable_pods: z.string(),
});

const eksMaxPodsFileSchema = z.object({
  format: z.literal(1),
  source: z.string(),
  maxPods: z.record(z.string(), z.number().int().positive()),
});

type EksMaxPodsFile = z.infer<typeof eksMaxPodsFileSchema>;

/** The catalog's EKS max-pods table from Karpenter's instance-type rows (types without a value left out). */
export function buildEksMaxPods(rows: readonly z.infer<typeof eksMaxPodsRowSchema>[]): { file: EksMaxPodsFile; notes: string[] } {
  const maxPods: Record<string, number> = {};
  let skipped = 0;
  for (const row of [...rows].sort((a, b) => (a.instance_type < b.instance_type ? -1 : 1))) {
    const n = Number(row.k8s_allocatable_pods);
    if (row.k8s_allocatable_pods === '' || !Number.isInteger(n) || n <= 0) skipped++;
    else maxPods[row.instance_type] = n;
  }
  return {
    file: {
      format: 1,
      source:
        'aws_ec2_instance_types_karpenter_v1.14_2026-08.csv (aws/karpenter-provider-aws website/content/en/docs/reference/instance-types.md, v1.14), column k8s_allocatable_pods: the VPC CNI ENI limit',
      maxPods,
    },
    notes: [`${Object.keys(maxPods).length} types with max pods${skipped ? `, ${skipped} without` : ''}`],
  };
}

let eksTable: ReadonlyMap<string, number> | undefined;

/** EKS max pods for an instance type (undefined when the table does not list it). */
export function eksMaxPods(instanceType: string, dir: string = defaultCatalogDir()): number | undefined {
  if (!eksTable) {
    const file = path.join(dir, EKS_MAX_PODS_FILE);
    if (!existsSync(file)) return undefined;
    const parsed = eksMaxPodsFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success)
      throw new StackfitError(
        `malformed EKS max-pods table: ${parsed.error.issues[0]?.message ?? 'invalid'}; rebuild it with \`npm run build:catalog\``,
        file,
      );
    eksTable = new Map(Object.entries(parsed.data.maxPods));
  }
  return eksTable.get(instanceType);
}

/**
 * The max pods per node of a pool on a node type: the pool's own setting (AKS, GKE), else the
 * EKS table for the type. Undefined: not known, not checked.
 */
export function maxPodsPerNode(workload: Pick<Workload, 'cloud' | 'pool'>, size: string): number | undefined {
  const pool = workload.pool;
  if (!pool || pool.kind !== 'kubernetes') return undefined;
  if (pool.maxPodsPerNode !== undefined) return pool.maxPodsPerNode;
  if (workload.cloud === 'aws') return eksMaxPods(size);
  if (workload.cloud === 'gcp') return GKE_DEFAULT_MAX_PODS;
  return undefined;
}
