import { z } from 'zod';

/**
 * The part of an Azure Monitor `Metrics - List` response stackfit reads, after
 * `@azure/arm-monitor` has deserialised it (timestamps arrive as `Date`). See
 * https://learn.microsoft.com/rest/api/monitor/metrics/list
 * Intervals without data are listed with no aggregate value: those are gaps.
 */
export const metricValueSchema = z.object({
  timeStamp: z.date(),
  average: z.number().optional(),
  maximum: z.number().optional(),
  minimum: z.number().optional(),
});

export const metricSchema = z.object({
  name: z.object({ value: z.string() }),
  unit: z.string().optional(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  timeseries: z
    .array(
      z.object({
        // The dimension values of a split series (`$filter=VMName eq '*'`: one series per scale set instance).
        metadatavalues: z.array(z.object({ name: z.object({ value: z.string() }), value: z.string().optional() })).default([]),
        data: z.array(metricValueSchema).default([]),
      }),
    )
    .default([]),
});

export const metricsResponseSchema = z.object({
  value: z.array(metricSchema),
});

export type AzureMetric = z.infer<typeof metricSchema>;

/** `usage.azureMonitor` in stackfit.yaml: the aggregation read per interval. */
export const azureMonitorOptionsSchema = z.object({ aggregation: z.enum(['Average', 'Maximum']).optional() }).strict();
export type AzureMonitorOptions = z.infer<typeof azureMonitorOptionsSchema>;
