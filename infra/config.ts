import { z } from 'zod';

/**
 * The `workloads` stack config of the example project: a map from workload name to where and
 * how it runs. stackfit edits `size` (and, for moves, `cloud`/`region`/`zone`) in place.
 */

/** Names end up in resource names, Azure computer names and GCP labels: keep them portable. */
const WORKLOAD_NAME = /^[a-z][a-z0-9-]{0,29}$/;

/** GCP label values and AWS/Azure tag values alike: lowercase, digits, `-`, `_`. */
const labelValue = z.string().regex(/^[a-z0-9_-]{1,63}$/, 'use 1–63 lowercase letters, digits, dashes or underscores');

export const workloadSpecSchema = z
  .object({
    cloud: z.enum(['aws', 'azure', 'gcp'], { error: 'cloud must be one of aws, azure, gcp' }),
    /** AWS region, Azure location or GCP region. */
    region: z
      .string({ error: 'region is required' })
      .regex(/^[a-z][a-z0-9-]+$/, 'region must be a region name like us-east-1, eastus or us-central1'),
    /** GCP only: zone inside the region (default `<region>-b`, a zone every GCP region has). */
    zone: z
      .string()
      .regex(/^[a-z]+-[a-z]+\d+-[a-z]$/, 'zone must look like us-central1-a')
      .optional(),
    /** Instance type, VM size or machine type. */
    size: z.string({ error: 'size is required (an EC2 instance type, Azure VM size or GCP machine type)' }).min(1, 'size is empty'),
    count: z
      .number({ error: 'count must be a whole number of VMs' })
      .int('count must be a whole number of VMs')
      .min(1, 'count must be at least 1')
      .max(100, 'count above 100: use a scale set or instance group'),
    /** Workload group, for stackfit's spread rules (e.g. `frontend` must span 2 clouds). */
    group: labelValue.optional(),
    arch: z.enum(['amd64', 'arm64']).default('amd64'),
    /** Override the OS image (AMI id, Azure `publisher:offer:sku:version`, GCP image path). */
    image: z.string().min(1).optional(),
    diskGiB: z.number().int().min(10).max(16384).default(30),
    tags: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'tag keys must be valid GCP label keys'), labelValue).default({}),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.zone !== undefined && spec.cloud !== 'gcp') {
      ctx.addIssue({ code: 'custom', path: ['zone'], message: 'zone is only used for cloud: gcp' });
    }
    if (spec.zone !== undefined && !spec.zone.startsWith(`${spec.region}-`)) {
      ctx.addIssue({ code: 'custom', path: ['zone'], message: `zone ${spec.zone} is not in region ${spec.region}` });
    }
  });

export type WorkloadSpec = z.infer<typeof workloadSpecSchema>;

export const workloadsConfigSchema = z.record(z.string(), workloadSpecSchema).superRefine((map, ctx) => {
  if (Object.keys(map).length === 0) ctx.addIssue({ code: 'custom', message: 'declare at least one workload' });
  for (const name of Object.keys(map)) {
    if (!WORKLOAD_NAME.test(name)) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: 'workload names are 1–30 characters: lowercase letters, digits and dashes, starting with a letter',
      });
    }
  }
});

export type WorkloadsConfig = z.infer<typeof workloadsConfigSchema>;

/**
 * Validates the `workloads` config value. Errors name the config key and the field, e.g.
 * `stackfit-demo:workloads.web.count: count must be at least 1`.
 */
export function parseWorkloadsConfig(value: unknown, configKey: string): WorkloadsConfig {
  const result = workloadsConfigSchema.safeParse(value);
  if (result.success) return result.data;
  const messages = result.error.issues.map((issue) => {
    const path = [configKey, ...issue.path.map(String)].join('.');
    return `${path}: ${issue.message}`;
  });
  throw new Error(`invalid stack config: ${messages.join('; ')}`);
}
