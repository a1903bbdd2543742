/**
 * Every policy of the pack, one line each (see contract.ts and docs/DEVELOPING.md "Adding a
 * policy"). The order is the order `pulumi` lists them in.
 */
import { isSizedType } from '../clouds';
import type { StackfitPolicy } from './contract';
import { costReport } from './cost-report';
import { instanceGeneration } from './instance-generation';
import { maxSize } from './max-size';
import { placement } from './placement';
import { rightSize } from './right-size';
import { stackBudget } from './stack-budget';

export const stackfitPolicies: readonly StackfitPolicy[] = [stackBudget, rightSize, instanceGeneration, placement, maxSize, costReport];

/** A registered policy by name (tests, docs). */
export function policyNamed(name: string): StackfitPolicy | undefined {
  return stackfitPolicies.find((p) => p.name === name);
}

/**
 * Whether a resource policy of the pack can say more than "not applicable" about a resource of
 * this type. Each one starts from the resource's assessment (`assessResourceAlone`), which is
 * `none` → "not a sized compute or database resource" for a type no kind reads, and a
 * per-resource Analyze sees no peers (groups that need them are checked in AnalyzeStack, which
 * gets every resource). `stackfit check` sends Analyze only for these types
 * (test/policy/check-skip.test.ts compares the verdicts with and without skipping).
 */
export function resourcePoliciesRead(type: string): boolean {
  return isSizedType(type);
}

/** Whether any policy of the pack remediates: without one, the engine's Remediate call returns nothing. */
export function packRemediates(): boolean {
  return stackfitPolicies.some((p) => 'remediateResource' in p);
}
