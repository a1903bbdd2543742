import { z } from 'zod';

/**
 * The part of a Cloud Monitoring `projects.timeSeries.list` page stackfit reads, as
 * `@google-cloud/monitoring` returns it in REST-fallback mode. Enums arrive as integers
 * (`metricKind: 1` = GAUGE, `valueType: 3` = DOUBLE); timestamps as `{seconds, nanos}` with
 * seconds a string or number. See
 * https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.timeSeries/list
 */
const int64 = z.union([z.string(), z.number(), z.custom<{ toString(): string }>((x) => typeof x === 'object' && x !== null)]).transform((x) => Number(String(x)));
const timestamp = z.object({ seconds: int64.optional(), nanos: z.number().optional().nullable() });

export const pointSchema = z.object({
  interval: z.object({ startTime: timestamp.optional().nullable(), endTime: timestamp }),
  value: z.object({
    doubleValue: z.number().optional().nullable(),
    int64Value: int64.optional().nullable(),
  }),
});

export const timeSeriesSchema = z.object({
  metric: z.object({ type: z.string(), labels: z.record(z.string(), z.string()).optional().nullable() }),
  resource: z.object({ type: z.string(), labels: z.record(z.string(), z.string()) }),
  points: z.array(pointSchema).default([]),
});

export type GcpTimeSeries = z.infer<typeof timeSeriesSchema>;

export function timestampMs(ts: { seconds?: number | undefined; nanos?: number | null | undefined }): number {
  return (ts.seconds ?? 0) * 1000 + Math.round((ts.nanos ?? 0) / 1e6);
}

/** `usage.gcpMonitoring` in stackfit.yaml: the per-series aligner (ALIGN_MAX sizes for the peaks inside each period). */
export const gcpMonitoringOptionsSchema = z.object({ aligner: z.enum(['ALIGN_MEAN', 'ALIGN_MAX']).optional() }).strict();
export type GcpMonitoringOptions = z.infer<typeof gcpMonitoringOptionsSchema>;
