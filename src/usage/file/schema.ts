import { z } from 'zod';

/** The metrics a usage file may carry, and their units. */
export const USAGE_METRICS = ['cpu_cores', 'cpu_percent', 'memory_gib', 'memory_bytes', 'memory_percent'] as const;
export type UsageMetric = (typeof USAGE_METRICS)[number];
export const usageMetricSchema = z.enum(USAGE_METRICS);

/** The CSV header columns (any order; other columns are ignored). */
export const CSV_COLUMNS = ['timestamp', 'resource', 'metric', 'value'] as const;

/** A timestamp: ISO 8601 text, or a number of Unix seconds / milliseconds. */
const timestampSchema = z.union([z.number().finite(), z.string().min(1)]);

/**
 * The JSON form of a usage file:
 * `{"series": [{"resource": "web", "metric": "cpu_cores", "points": [[t, v], ...]}]}`.
 * A `null` value is a gap.
 */
export const usageJsonSchema = z.object({
  series: z.array(
    z.object({
      resource: z.string().min(1),
      metric: usageMetricSchema,
      points: z.array(z.tuple([timestampSchema, z.number().finite().min(0).nullable()])),
    }),
  ),
});
export type UsageJson = z.infer<typeof usageJsonSchema>;

/** A usage file has no stackfit.yaml settings: the spec is the path. */
export const fileOptionsSchema = z.object({}).strict();
