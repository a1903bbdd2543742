import type { Catalog } from '../../catalog/types';
import { matchesWorkloadKey } from '../../config/index';
import type { Workload } from '../../model';
import { defineResourcePolicy } from '../contract';
import { packContext } from '../crossguard';
import { groupNote } from '../pricing';
import { maxSizeConfigSchema, type MaxSizeConfig } from './schema';

/** vCPU and memory of a size: where it runs, or (not sold there) wherever the catalog has it. */
export function specOfSize(
  w: Pick<Workload, 'cloud' | 'kind' | 'region' | 'size'>,
  catalog: Catalog,
): { vcpu: number; memoryGiB: number } | undefined {
  const here = w.region ? catalog.lookup(w.cloud, w.region, w.size) : undefined;
  return here ?? catalog.offerings({ cloud: w.cloud, kind: w.kind }).find((o) => o.size === w.size);
}

/** What exceeds the caps, one phrase each (empty: within them). */
export function sizeCapProblems(
  size: string,
  spec: { vcpu: number; memoryGiB: number },
  cfg: Pick<MaxSizeConfig, 'maxVcpu' | 'maxMemoryGiB'>,
): string[] {
  const problems: string[] = [];
  if (cfg.maxVcpu !== undefined && spec.vcpu > cfg.maxVcpu) problems.push(`${size} has ${spec.vcpu} vCPU (maxVcpu ${cfg.maxVcpu})`);
  if (cfg.maxMemoryGiB !== undefined && spec.memoryGiB > cfg.maxMemoryGiB)
    problems.push(`${size} has ${spec.memoryGiB} GiB of memory (maxMemoryGiB ${cfg.maxMemoryGiB})`);
  return problems;
}

/**
 * A guard rail teams put in front of production: no single instance (or node of a pool) above a
 * vCPU / memory cap unless exempted by name (a typo like `m5.24xlarge` for `m5.2xlarge` costs
 * twelve times as much). A size whose spec stackfit does not know fails closed: the cap cannot
 * be shown to hold.
 */
export const maxSize = defineResourcePolicy({
  name: 'stackfit-max-size',
  description: 'No instance (or pool node) is larger than the configured vCPU and memory caps, unless exempted.',
  enforcementLevel: 'mandatory',
  severity: 'medium',
  remediationSteps: 'Pick a smaller size, or add the resource to `exempt` in the policy pack config if it needs the capacity.',
  config: maxSizeConfigSchema,
  inactive: (cfg) => (cfg.maxVcpu === undefined && cfg.maxMemoryGiB === undefined ? 'no maxVcpu or maxMemoryGiB configured' : undefined),
  // Caps read specs, not prices: the list-price catalog.
  usesPriceBook: false,
  checkWorkload(priced, { cfg, report }) {
    const w = priced.workload;
    if (cfg.exempt.some((key) => matchesWorkloadKey(key, w.name, w.urn))) return `${w.name} is exempt`;
    const spec = specOfSize(w, packContext().catalog);
    if (!spec) {
      report(
        `${w.name}: size ${w.size} is not in stackfit's catalog, so its vCPU and memory are unknown and the caps cannot be checked (exempt it, or refresh the catalog).`,
      );
      return undefined;
    }
    const problems = sizeCapProblems(w.size, spec, cfg);
    if (problems.length > 0) report(`${w.name}: ${problems.join('; ')}${groupNote(priced)}.`);
    return undefined;
  },
});
