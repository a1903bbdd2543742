import { z } from 'zod';
import { priceBookConfigShape } from '../price-book';

/** `stackfit-cost-report` config. */
export const costReportConfigSchema = z.object({
  includeUnpriced: z.boolean().default(true).describe('Also list sized resources stackfit cannot price.'),
  ...priceBookConfigShape,
});
