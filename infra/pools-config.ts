import { z } from 'zod';

/**
 * The `clusters` and `autoscalingGroups` stack config of the example project: Kubernetes
 * clusters (EKS, AKS, GKE) with their node pools, and EC2 auto scaling groups launched from a
 * launch template. stackfit edits a pool's `size` and its `desired` / `min` / `max` in place.
 */

const NAME = /^[a-z][a-z0-9-]{0,29}$/;
const NAME_MESSAGE = 'names are 1–30 characters: lowercase letters, digits and dashes, starting with a letter';
/** AKS agent pool names: lowercase letters and digits, at most 12 (Linux pools). */
const AKS_POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;

const counts = z
  .object({
    /** Instance type, VM size or machine type of the pool's nodes. */
    size: z.string({ error: 'size is required (an EC2 instance type, Azure VM size or GCP machine type)' }).min(1, 'size is empty'),
    /** Nodes now (GKE: per zone). */
    desired: z.number({ error: 'desired must be a whole number of nodes' }).int('desired must be a whole number of nodes').min(0).max(1000),
    /** Autoscaling bounds (both or neither; GKE: per zone). Without them the pool is fixed at `desired`. */
    min: z.number().int().min(0).max(1000).optional(),
    max: z.number().int().min(1).max(1000).optional(),
    diskGiB: z.number().int().min(20).max(16384).default(50),
  })
  .strict();

function checkBounds(spec: { desired: number; min?: number | undefined; max?: number | undefined }, ctx: z.RefinementCtx): void {
  if ((spec.min === undefined) !== (spec.max === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: [spec.min === undefined ? 'min' : 'max'],
      message: 'set both min and max (autoscaling) or neither (a fixed pool)',
    });
    return;
  }
  if (spec.min !== undefined && spec.max !== undefined && !(spec.min <= spec.desired && spec.desired <= spec.max)) {
    ctx.addIssue({ code: 'custom', path: ['desired'], message: `desired ${spec.desired} is outside min ${spec.min} – max ${spec.max}` });
  }
}

const poolSchema = counts
  .extend({
    /** AKS only: a system pool (runs kube-system; declared in the cluster's agentPoolProfiles). */
    system: z.boolean().optional(),
  })
  .strict()
  .superRefine(checkBounds);

export const clusterSpecSchema = z
  .object({
    cloud: z.enum(['aws', 'azure', 'gcp'], { error: 'cloud must be one of aws (EKS), azure (AKS), gcp (GKE)' }),
    region: z
      .string({ error: 'region is required' })
      .regex(/^[a-z][a-z0-9-]+$/, 'region must be a region name like us-east-1, eastus or us-central1'),
    /** GCP only: a zonal cluster in this zone (default: a regional cluster over three zones). */
    zone: z
      .string()
      .regex(/^[a-z]+-[a-z]+\d+-[a-z]$/, 'zone must look like us-central1-a')
      .optional(),
    pools: z.record(z.string(), poolSchema),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.zone !== undefined && spec.cloud !== 'gcp')
      ctx.addIssue({ code: 'custom', path: ['zone'], message: 'zone is only used for cloud: gcp' });
    if (spec.zone !== undefined && !spec.zone.startsWith(`${spec.region}-`))
      ctx.addIssue({ code: 'custom', path: ['zone'], message: `zone ${spec.zone} is not in region ${spec.region}` });
    const names = Object.keys(spec.pools);
    if (names.length === 0) ctx.addIssue({ code: 'custom', path: ['pools'], message: 'declare at least one node pool' });
    for (const [name, pool] of Object.entries(spec.pools)) {
      const valid = spec.cloud === 'azure' ? AKS_POOL_NAME.test(name) : NAME.test(name);
      if (!valid)
        ctx.addIssue({
          code: 'custom',
          path: ['pools', name],
          message: spec.cloud === 'azure' ? 'AKS pool names are 1–12 lowercase letters and digits, starting with a letter' : NAME_MESSAGE,
        });
      if (pool.system !== undefined && spec.cloud !== 'azure')
        ctx.addIssue({ code: 'custom', path: ['pools', name, 'system'], message: 'system is only used for cloud: azure (AKS)' });
      if (spec.cloud === 'gcp' && pool.desired < 1)
        ctx.addIssue({ code: 'custom', path: ['pools', name, 'desired'], message: 'a GKE pool needs at least 1 node per zone' });
    }
    if (spec.cloud === 'azure' && !Object.values(spec.pools).some((p) => p.system === true)) {
      ctx.addIssue({ code: 'custom', path: ['pools'], message: 'an AKS cluster needs at least one pool with system: true' });
    }
  });

export const autoscalingGroupSpecSchema = counts
  .extend({
    region: z.string({ error: 'region is required' }).regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'region must be an AWS region like us-east-1'),
    arch: z.enum(['amd64', 'arm64']).default('amd64'),
    /** AMI id; default: the latest Ubuntu 24.04 for the arch. */
    image: z.string().min(1).optional(),
  })
  .strict()
  .superRefine(checkBounds);

export type ClusterSpec = z.infer<typeof clusterSpecSchema>;
export type PoolSpec = ClusterSpec['pools'][string];
export type AutoscalingGroupSpec = z.infer<typeof autoscalingGroupSpecSchema>;

function namedMap<T extends z.ZodTypeAny>(item: T) {
  return z.record(z.string(), item).superRefine((map, ctx) => {
    for (const name of Object.keys(map)) if (!NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: NAME_MESSAGE });
  });
}

export const clustersConfigSchema = namedMap(clusterSpecSchema);
export const autoscalingGroupsConfigSchema = namedMap(autoscalingGroupSpecSchema);

/** Validates one config value; errors name the config key and the field, like parseWorkloadsConfig. */
export function parseConfigValue<T>(schema: z.ZodType<T>, value: unknown, configKey: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const messages = result.error.issues.map((issue) => `${[configKey, ...issue.path.map(String)].join('.')}: ${issue.message}`);
  throw new Error(`invalid stack config: ${messages.join('; ')}`);
}
