import { z } from 'zod';

/**
 * The parts of a Cloud Monitoring `projects.timeSeries.list` JSON page stackfit reads
 * (https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.timeSeries/list). Headers are
 * checked here; the points (up to 100,000 a page) are read by a plain loop in rest.ts, which
 * checks each one's `interval.endTime` (RFC 3339) and `value.doubleValue` / `value.int64Value`.
 */
const array = z.custom<unknown[]>((x) => Array.isArray(x), 'expected an array');

export const listPageHeaderSchema = z.object({
  timeSeries: array.optional(),
  nextPageToken: z.string().optional(),
});

export const timeSeriesHeaderSchema = z.object({
  metric: z.object({ type: z.string() }),
  resource: z.object({ type: z.string(), labels: z.record(z.string(), z.string()) }),
  points: array.default([]),
});

/** `usage.gcpMonitoring` in stackfit.yaml: the per-series aligner (ALIGN_MAX sizes for the peaks inside each period). */
export const gcpMonitoringOptionsSchema = z.object({ aligner: z.enum(['ALIGN_MEAN', 'ALIGN_MAX']).optional() }).strict();
export type GcpMonitoringOptions = z.infer<typeof gcpMonitoringOptionsSchema>;
