/**
 * Leave-one-dataset-out choice of model settings (docs/backtest.md; run by
 * `scripts/backtest-cv.ts`). Pure: it sees only the back-test totals of each candidate and of
 * Compute-Optimizer-style per dataset, and never reads the held-out dataset when choosing.
 */

/** What the choice reads of a method's totals on one dataset (a `MethodTotals` fits). */
export interface CvScore {
  savingsShare: number;
  cpuUnderIntervals: number;
  memoryOverrunIntervals: number;
}

export interface CvFold {
  heldOut: string;
  /** Index of the chosen candidate, or -1 when none is eligible on the training datasets. */
  chosen: number;
  /** How many candidates were eligible on the training datasets. */
  eligible: number;
}

/**
 * The candidate chosen on `train` (dataset names): eligible when, on every training dataset, it
 * under-provisions CPU no more and overruns memory no more than the baseline; among those the
 * highest mean savings share (each dataset weighs the same); ties go to the lower index (put
 * the shipped default first).
 */
export function chooseOnTraining(
  candidates: readonly Record<string, CvScore>[],
  baseline: Record<string, CvScore>,
  train: readonly string[],
): { chosen: number; eligible: number } {
  let chosen = -1;
  let eligible = 0;
  let best = -Infinity;
  candidates.forEach((scores, i) => {
    const ok = train.every(
      (d) =>
        scores[d]!.cpuUnderIntervals <= baseline[d]!.cpuUnderIntervals &&
        scores[d]!.memoryOverrunIntervals <= baseline[d]!.memoryOverrunIntervals,
    );
    if (!ok) return;
    eligible++;
    const mean = train.reduce((s, d) => s + scores[d]!.savingsShare, 0) / train.length;
    // A strictly better mean is needed to displace an earlier candidate (the default first).
    if (chosen < 0 || mean > best + 1e-12) {
      chosen = i;
      best = mean;
    }
  });
  return { chosen, eligible };
}

/**
 * One fold per dataset: chosen on all the other datasets' score keys, to be scored on its own.
 * `units` maps each dataset to the keys of its scores (one per training window, e.g.
 * `azure-v1@21`), so that several splits of one dataset stay on the same side of a fold.
 */
export function leaveOneDatasetOut(
  units: Readonly<Record<string, readonly string[]>>,
  candidates: readonly Record<string, CvScore>[],
  baseline: Record<string, CvScore>,
): CvFold[] {
  const datasets = Object.keys(units);
  return datasets.map((heldOut) => ({
    heldOut,
    ...chooseOnTraining(
      candidates,
      baseline,
      datasets.filter((d) => d !== heldOut).flatMap((d) => units[d]!),
    ),
  }));
}
