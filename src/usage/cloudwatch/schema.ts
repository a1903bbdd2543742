import { z } from 'zod';

/**
 * The part of a CloudWatch `GetMetricData` output stackfit reads, checked after the SDK has
 * deserialised it (dates arrive as `Date`). See
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 */
export const metricDataResultSchema = z.object({
  Id: z.string(),
  Label: z.string().optional(),
  Timestamps: z.array(z.date()).default([]),
  Values: z.array(z.number()).default([]),
  /** `Complete`, `PartialData` (more on the next page), `InternalError`, `Forbidden`. */
  StatusCode: z.string().optional(),
  Messages: z.array(z.object({ Code: z.string().optional(), Value: z.string().optional() })).optional(),
});

export const getMetricDataOutputSchema = z.object({
  MetricDataResults: z.array(metricDataResultSchema).default([]),
  NextToken: z.string().optional(),
  Messages: z.array(z.object({ Code: z.string().optional(), Value: z.string().optional() })).optional(),
});

export type MetricDataResult = z.infer<typeof metricDataResultSchema>;
export type GetMetricDataOutput = z.infer<typeof getMetricDataOutputSchema>;

/** `usage.cloudwatch` in stackfit.yaml: the statistic read per period (Maximum sizes for the peaks inside each period). */
export const cloudWatchOptionsSchema = z.object({ statistic: z.enum(['Average', 'Maximum']).optional() }).strict();
export type CloudWatchOptions = z.infer<typeof cloudWatchOptionsSchema>;
