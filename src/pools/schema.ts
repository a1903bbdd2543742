import { z } from 'zod';

/**
 * `pools:` in stackfit.yaml: how node pools and auto scaling groups are sized (docs/node-pools.md).
 * Profiles follow Kubecost's cluster right-sizing presets (target utilisation of allocatable,
 * minimum node count): development 80 % / 1, production 65 % / 2, high availability 50 % / 3.
 * Production and HA pools also keep one spare node (N−1: the pool still holds its pods when one
 * node is lost).
 */
export const POOL_PROFILES = {
  dev: { targetUtilization: 0.8, minNodes: 1, spareNodes: 0 },
  prod: { targetUtilization: 0.65, minNodes: 2, spareNodes: 1 },
  ha: { targetUtilization: 0.5, minNodes: 3, spareNodes: 1 },
} as const;

export type PoolProfileName = keyof typeof POOL_PROFILES;

/** Largest node floor or spare count a pool rule takes (GKE: 1,000 nodes per pool per zone; AKS: 1,000 per pool). */
export const MAX_POOL_NODES = 1000;

const poolRule = z
  .object({
    profile: z.enum(['dev', 'prod', 'ha']).optional(),
    /** Fraction of a node's allocatable (after DaemonSets) the pool's requests may fill. */
    targetUtilization: z.number().gt(0).max(1).optional(),
    // At most 1,000 nodes: GKE's and AKS's per-pool limit; a floor above it is a typo (a billion-node pool was proposed).
    minNodes: z.number().int().min(1).max(MAX_POOL_NODES).optional(),
    spareNodes: z
      .number()
      .int()
      .min(0)
      .max(MAX_POOL_NODES - 1)
      .optional(),
  })
  .strict();

export const poolsConfigSchema = poolRule
  .extend({
    /**
     * Prometheus with kube-state-metrics and node_exporter for pools
     * (`prometheus://host:port`); default: the first prometheus source in `usage.sources`.
     */
    prometheus: z.string().min(1).optional(),
    /** A pool usage file (JSON, docs/node-pools.md) instead of Prometheus; relative to the working directory. */
    usageFile: z.string().min(1).optional(),
    /** Per-pool overrides, keyed by logical name, URN or a `*` glob (like `workloads:`). */
    overrides: z.record(z.string(), poolRule).default({}),
  })
  .strict();

export type PoolsConfig = z.infer<typeof poolsConfigSchema>;

export interface PoolProfile {
  name: PoolProfileName | 'custom';
  targetUtilization: number;
  minNodes: number;
  spareNodes: number;
}
