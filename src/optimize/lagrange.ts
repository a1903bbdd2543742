import { argminObjective, type PlacementOption } from './options';

/** Lagrangian helpers for the budget row: f(λ) = min over options of (objective + λ·monthly). */

export const EPS = 1e-7;

/** Breakpoints of f(λ) = min over options of (objective + λ·monthly): where the argmin drops to a cheaper monthly cost. */
export function envelopeBreakpoints(options: readonly PlacementOption[], out: { lambda: number; slopeDrop: number }[]): number {
  let current = argminObjective(options);
  if (!current) return 0;
  const start = current.monthly;
  let lambda = 0;
  for (;;) {
    let next: PlacementOption | undefined;
    let nextLambda = Number.POSITIVE_INFINITY;
    for (const o of options) {
      if (o.monthly >= current.monthly - EPS) continue;
      const at = Math.max(lambda, (o.objective - current.objective) / (current.monthly - o.monthly));
      if (at < nextLambda - 1e-12 || (Math.abs(at - nextLambda) <= 1e-12 && next && o.monthly < next.monthly)) {
        next = o;
        nextLambda = at;
      }
    }
    if (!next) return start;
    out.push({ lambda: nextLambda, slopeDrop: current.monthly - next.monthly });
    current = next;
    lambda = nextLambda;
  }
}

export const minValue = (options: readonly PlacementOption[], lambda: number): number => {
  let best = Number.POSITIVE_INFINITY;
  for (const o of options) best = Math.min(best, o.objective + lambda * o.monthly);
  return best;
};
