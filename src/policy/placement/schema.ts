import { z } from 'zod';
import { CLOUDS } from '../../model';

const cloud = z.enum(CLOUDS);

/** `stackfit-placement` config: nothing set = the policy does not apply. */
export const placementConfigSchema = z.object({
  clouds: z.array(cloud).min(1).optional().describe('Allowed clouds.'),
  regions: z
    .partialRecord(cloud, z.array(z.string().min(1)).min(1))
    .optional()
    .describe('Allowed regions per cloud, e.g. {"aws": ["us-east-1"]}.'),
  architectures: z
    .array(z.enum(['amd64', 'arm64']))
    .min(1)
    .optional()
    .describe('Allowed CPU architectures.'),
});
