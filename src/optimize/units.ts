import type { Demand, Offering, PlanAction, Workload } from '../model';
import type { PlacementOption } from './options';
import type { Sizing } from './choices';

/** The decision units of the problem (src/optimize/problem.ts builds them), apart so that colocate.ts needs nothing else of it. */

/** A workload the solver chooses for. */
export interface Free {
  index: number;
  workload: Workload;
  current: Offering;
  demand: Demand;
  sizing: Sizing;
  /** Options with the noise thresholds and the payback rule applied, and without (used when a constraint needs them). */
  filtered: PlacementOption[];
  unfiltered: PlacementOption[];
  options: PlacementOption[];
  /** The cheapest change the thresholds removed (for the reason text). */
  bestNoise?: PlacementOption;
  /** Monthly cost of staying: today's, or the cheapest option in today's place when today's no longer fits. */
  stayMonthly?: number;
  /** Whether today's size and count carry the demand (with `survive` instances lost). */
  currentFits: boolean;
  spread?: number;
  /** The cheapest option `maxStepDown` kept out (a bigger cut than one PR may make). */
  beyondStep?: PlacementOption;
  /** When the count is a decision: the cheapest option at today's count per place, before option reduction (for "why this count"). */
  atTodayCount?: Map<string, PlacementOption>;
  /** Colocated group the workload moves with. */
  colocate?: string;
}

/** A workload that stays as it is (no demand, pinned, unpriced, nothing fits). */
export interface Fixed {
  index: number;
  workload: Workload;
  current?: Offering;
  demand?: Demand;
  action: PlanAction;
  reason: string;
}
