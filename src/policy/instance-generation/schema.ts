import { z } from 'zod';
import { priceBookConfigShape } from '../price-book';

/** `stackfit-instance-generation` config. */
export const generationConfigSchema = z.object({
  allowArm64: z.boolean().default(false).describe('Also suggest arm64 sizes for amd64 workloads.'),
  disallowedFamilies: z.array(z.string().min(1)).default([]).describe('Families (prefix match: `m4`, `t2`, `n1`) that must not be used.'),
  reportCheaperCurrentGeneration: z
    .boolean()
    .default(true)
    .describe('Also report current-generation sizes that have a cheaper same-spec alternative.'),
  minMonthlySavingUsd: z.number().min(0).default(1).describe('Smallest saving worth reporting for a current-generation size.'),
  ...priceBookConfigShape,
});
