/**
 * The budget-coupled core, solved exactly as a multiple-choice knapsack by Pareto dynamic
 * programming (Nemhauser–Ullmann): stage by stage, keep every partial plan that no other
 * partial plan beats on both monthly cost and objective. Two exact prunings keep it small:
 * a partial plan whose monthly cost plus the cheapest rest exceeds the budget, and one whose
 * reduced cost (Lagrangian, ≥ 0 per stage) already exceeds the gap to the incumbent.
 */

export interface StageChoice {
  monthly: number;
  objective: number;
  /** Reduced cost at λ* (≥ 0): objective + λ*·monthly minus the stage's minimum of it. */
  reduced: number;
}

export interface ParetoResult {
  /** Chosen choice index per stage. */
  picks: number[];
  objective: number;
  monthly: number;
}

/**
 * Minimises Σ objective subject to Σ monthly ≤ maxMonthly, one choice per stage, among plans whose
 * Σ reduced ≤ maxReduced. Returns undefined when infeasible, or 'too-large' when the frontier would
 * exceed `limit` states (the caller then falls back on branch-and-bound).
 */
export function paretoKnapsack(
  stages: readonly (readonly StageChoice[])[],
  maxMonthly: number,
  maxReduced: number,
  limit = 200_000,
): ParetoResult | undefined | 'too-large' {
  const tolerance = 1e-7 * Math.max(1, Math.abs(maxMonthly));
  // Within a stage, a choice beaten on both monthly cost and objective by another never helps.
  const pruned = stages.map((choices) => {
    const order = choices
      .map((_, c) => c)
      .sort((a, b) => choices[a]!.monthly - choices[b]!.monthly || choices[a]!.objective - choices[b]!.objective);
    const keep: number[] = [];
    for (const c of order) {
      const last = keep[keep.length - 1];
      if (last === undefined || choices[c]!.objective < choices[last]!.objective) keep.push(c);
    }
    return keep;
  });
  const result = frontier(
    pruned.map((keep, i) => keep.map((c) => stages[i]![c]!)),
    maxMonthly,
    maxReduced,
    limit,
    tolerance,
  );
  if (result === undefined || result === 'too-large') return result;
  result.picks = result.picks.map((pick, i) => pruned[i]![pick]!);
  return result;
}

function frontier(
  stages: readonly (readonly StageChoice[])[],
  maxMonthly: number,
  maxReduced: number,
  limit: number,
  tolerance: number,
): ParetoResult | undefined | 'too-large' {
  const suffixMin = new Array<number>(stages.length + 1).fill(0);
  for (let i = stages.length - 1; i >= 0; i--) {
    let least = Number.POSITIVE_INFINITY;
    for (const c of stages[i]!) least = Math.min(least, c.monthly);
    suffixMin[i] = suffixMin[i + 1]! + least;
  }
  if (suffixMin[0]! > maxMonthly + tolerance) return undefined;

  // Layer of states: parallel arrays; parent/choice index back into the previous layer.
  interface Layer {
    monthly: Float64Array;
    objective: Float64Array;
    reduced: Float64Array;
    parent: Int32Array;
    choice: Int32Array;
    size: number;
  }
  const layers: Layer[] = [];
  let current: Layer = {
    monthly: new Float64Array([0]),
    objective: new Float64Array([0]),
    reduced: new Float64Array([0]),
    parent: new Int32Array([-1]),
    choice: new Int32Array([-1]),
    size: 1,
  };
  layers.push(current);
  for (let i = 0; i < stages.length; i++) {
    const choices = stages[i]!;
    const rest = suffixMin[i + 1]!;
    const candidates: number[] = []; // indexes into (state, choice) pairs
    const m: number[] = [];
    const o: number[] = [];
    const r: number[] = [];
    for (let s = 0; s < current.size; s++) {
      for (let c = 0; c < choices.length; c++) {
        const choice = choices[c]!;
        const monthly = current.monthly[s]! + choice.monthly;
        if (monthly + rest > maxMonthly + tolerance) continue;
        const reduced = current.reduced[s]! + choice.reduced;
        if (reduced > maxReduced + 1e-7 * Math.max(1, maxReduced)) continue;
        candidates.push(s * choices.length + c);
        m.push(monthly);
        o.push(current.objective[s]! + choice.objective);
        r.push(reduced);
      }
    }
    const order = candidates.map((_, k) => k).sort((a, b) => m[a]! - m[b]! || o[a]! - o[b]!);
    const kept: number[] = [];
    let bestObjective = Number.POSITIVE_INFINITY;
    for (const k of order) {
      // Cheaper-or-equal monthly came first: keep only strict objective improvements.
      if (kept.length === 0 || o[k]! < bestObjective - 1e-9 * Math.max(1, Math.abs(bestObjective))) {
        kept.push(k);
        bestObjective = o[k]!;
      }
    }
    if (kept.length > limit) return 'too-large';
    if (kept.length === 0) return undefined;
    const next: Layer = {
      monthly: new Float64Array(kept.length),
      objective: new Float64Array(kept.length),
      reduced: new Float64Array(kept.length),
      parent: new Int32Array(kept.length),
      choice: new Int32Array(kept.length),
      size: kept.length,
    };
    kept.forEach((k, n) => {
      next.monthly[n] = m[k]!;
      next.objective[n] = o[k]!;
      next.reduced[n] = r[k]!;
      next.parent[n] = Math.floor(candidates[k]! / choices.length);
      next.choice[n] = candidates[k]! % choices.length;
    });
    layers.push(next);
    current = next;
  }
  // The last layer is sorted by monthly with strictly falling objective: the best is the last.
  let state = current.size - 1;
  const result: ParetoResult = {
    picks: new Array<number>(stages.length),
    objective: current.objective[state]!,
    monthly: current.monthly[state]!,
  };
  for (let i = stages.length; i >= 1; i--) {
    const layer = layers[i]!;
    result.picks[i - 1] = layer.choice[state]!;
    state = layer.parent[state]!;
  }
  return result;
}

/**
 * Every way to split `size` interchangeable workloads over `options` whose total reduced cost stays
 * within `maxReduced`, as count vectors; undefined when there would be more than `limit`.
 */
export function classSplits(size: number, reduced: readonly number[], maxReduced: number, limit: number): number[][] | undefined {
  const out: number[][] = [];
  const counts = new Array<number>(reduced.length).fill(0);
  const tolerance = 1e-7 * Math.max(1, maxReduced);
  let overflow = false;
  const walk = (option: number, left: number, spent: number): void => {
    if (overflow) return;
    if (option === reduced.length - 1) {
      const total = spent + left * reduced[option]!;
      if (total <= maxReduced + tolerance) {
        counts[option] = left;
        out.push([...counts]);
        if (out.length > limit) overflow = true;
      }
      counts[option] = 0;
      return;
    }
    for (let n = 0; n <= left; n++) {
      const cost = spent + n * reduced[option]!;
      if (cost > maxReduced + tolerance) break;
      counts[option] = n;
      walk(option + 1, left - n, cost);
    }
    counts[option] = 0;
  };
  walk(0, size, 0);
  return overflow ? undefined : out;
}
