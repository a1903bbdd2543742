import { z } from 'zod';
import { priceBookConfigShape } from '../price-book';

/** `stackfit-right-size` config. */
export const rightSizeConfigSchema = z.object({
  recommendationsPath: z.string().min(1).optional().describe('The latest `stackfit recommend --format json` output.'),
  minMonthlySavingUsd: z.number().min(0).default(1).describe('Stay silent below this saving.'),
  ...priceBookConfigShape,
});
