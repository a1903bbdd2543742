/**
 * Every policy of the pack, one line each (see contract.ts and docs/DEVELOPING.md "Adding a
 * policy"). The order is the order `pulumi` lists them in.
 */
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
