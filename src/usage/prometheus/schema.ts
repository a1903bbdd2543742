import { z } from 'zod';

/**
 * Prometheus HTTP API responses (`/api/v1/query_range`), as documented at
 * https://prometheus.io/docs/prometheus/latest/querying/api/. Sample values are strings
 * (`"1.5"`, `"NaN"`, `"+Inf"`); timestamps are Unix seconds, possibly fractional.
 */
/**
 * Samples are checked one by one in the caller's loop (`isSample`), not by zod: a 30-day batch
 * holds about a million of them, and a zod tuple per sample costs more than the query itself.
 */
export const matrixSeriesSchema = z.object({
  metric: z.record(z.string(), z.string()),
  values: z.custom<unknown[]>((x) => Array.isArray(x), 'values must be an array').default([]),
});

export function isSample(x: unknown): x is [number, string] {
  return Array.isArray(x) && x.length === 2 && typeof x[0] === 'number' && typeof x[1] === 'string';
}

export const queryRangeSuccessSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('matrix'),
    result: z.array(matrixSeriesSchema),
  }),
  warnings: z.array(z.string()).optional(),
});

export const errorResponseSchema = z.object({
  status: z.literal('error'),
  errorType: z.string(),
  error: z.string(),
});

export const queryRangeResponseSchema = z.union([queryRangeSuccessSchema, errorResponseSchema]);

export type MatrixSeries = z.infer<typeof matrixSeriesSchema>;
export type QueryRangeResponse = z.infer<typeof queryRangeResponseSchema>;

/** `usage.prometheus` in stackfit.yaml (docs/usage-sources.md). */
export const prometheusOptionsSchema = z
  .object({
    joinLabel: z.string().default('instance'),
    /** Which workload id fills the join label: hostname, name, or a cloud id. */
    joinOn: z.enum(['hostname', 'name', 'awsInstanceId', 'azureResourceId', 'gcpInstanceId']).default('hostname'),
    cpuQuery: z.string().optional(),
    memoryQuery: z.string().optional(),
  })
  .partial();
export type PrometheusOptions = z.infer<typeof prometheusOptionsSchema>;
