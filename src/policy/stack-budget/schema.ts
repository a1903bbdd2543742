import { z } from 'zod';
import { priceBookConfigShape } from '../price-book';

/** `stackfit-stack-budget` config (`--policy-pack-config`); the CLI gets it as JSON Schema (contract.ts). */
export const budgetConfigSchema = z.object({
  maxMonthlyCost: z.number().positive().optional().describe('Maximum estimated monthly cost of the stack, USD.'),
  maxIncreaseUsd: z.number().min(0).optional().describe('Maximum monthly increase over the current state, USD.'),
  maxIncreasePercent: z.number().min(0).optional().describe('Maximum monthly increase over the current state, percent.'),
  currentStatePath: z.string().min(1).optional().describe('A `pulumi stack export` of the current state (the baseline for the increase).'),
  recommendationsPath: z
    .string()
    .min(1)
    .optional()
    .describe('A `stackfit recommend --format json` file; its totals.monthlyBefore is the baseline when currentStatePath is not set.'),
  topContributors: z.number().int().min(1).max(50).default(3).describe('How many top contributors the message lists.'),
  ...priceBookConfigShape,
});
