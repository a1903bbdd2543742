import { z } from 'zod';

/** `stackfit-max-size` config: nothing set = the policy does not apply. */
export const maxSizeConfigSchema = z.object({
  maxVcpu: z.number().int().positive().optional().describe('Largest vCPU count one instance (or one node of a pool) may have.'),
  maxMemoryGiB: z.number().positive().optional().describe('Largest memory, GiB, one instance (or one node of a pool) may have.'),
  exempt: z.array(z.string().min(1)).default([]).describe('Resources allowed to be larger: logical names or URNs, `*` globs allowed.'),
});
export type MaxSizeConfig = z.output<typeof maxSizeConfigSchema>;
