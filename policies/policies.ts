import type { Policies } from '@pulumi/policy';
import { stackfitPolicies as registered } from '../src/policy/registry';

/** The pack's policies: the registry (src/policy/registry.ts), one folder per policy under src/policy/. */
export function stackfitPolicies(): Policies {
  return [...registered];
}
