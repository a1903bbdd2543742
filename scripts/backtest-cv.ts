/**
 * Leave-one-dataset-out cross-validation of the forecaster's model choices (docs/backtest.md):
 * `npx tsx scripts/backtest-cv.ts [--json]`.
 *
 * Datasets: Azure V1 (50 VMs), Bitbrains Rnd (10 VMs) and the 30 extra Bitbrains VMs (21 of them
 * long enough). Candidates: every combination of recency half-life, memory margin over the
 * peak, trend on/off and seasonal slots on/off (`ModelSettings`). For each held-out dataset,
 * the candidate is chosen on the OTHER two only (`leaveOneDatasetOut`, src/backtest/cv.ts):
 *   1. eligible: on each of them, no more CPU under-provisioning and no more memory overruns
 *      than Compute-Optimizer-style (P99.5 + 20 %);
 *   2. best: the highest mean savings share over them (each dataset weighs the same);
 *   3. ties: the shipped default first, then the earlier candidate in the list.
 * Then it is scored on the held-out dataset, beside Compute-Optimizer-style and the default.
 * The percentile and headroom are the user's settings (stackfit.yaml), not tuned here.
 */
import path from 'node:path';
import { BASELINES, runBacktest } from '../src/backtest/index';
import type { MethodSpec, MethodTotals } from '../src/backtest/index';
import { leaveOneDatasetOut } from '../src/backtest/cv';
import { DEFAULT_MODEL } from '../src/forecast/index';
import type { ModelSettings } from '../src/forecast/index';

const root = path.resolve(__dirname, '..');
const DATASETS = [
  { name: 'azure-v1', dir: 'data/traces/azure-v1' },
  { name: 'bitbrains-rnd', dir: 'data/traces/bitbrains-rnd-2013-07' },
  { name: 'more-traces', dir: 'data/more-traces/bitbrains-rnd-2013-07' },
] as const;

function candidates(): ModelSettings[] {
  const out: ModelSettings[] = [{ ...DEFAULT_MODEL }];
  for (const halfLifeDays of [7, 14, 28, Infinity])
    for (const memoryPeakMargin of [0, 0.05, 0.1])
      for (const trend of [true, false])
        for (const seasonal of [true, false]) {
          const c = { halfLifeDays, memoryPeakMargin, trend, seasonal };
          if (!sameModel(c, DEFAULT_MODEL)) out.push(c);
        }
  return out;
}

function sameModel(a: ModelSettings, b: ModelSettings): boolean {
  return a.halfLifeDays === b.halfLifeDays && a.memoryPeakMargin === b.memoryPeakMargin && a.trend === b.trend && a.seasonal === b.seasonal;
}

function labelOf(m: ModelSettings): string {
  return `half-life ${m.halfLifeDays === Infinity ? '∞' : m.halfLifeDays} d, margin ${m.memoryPeakMargin * 100} %, trend ${m.trend ? 'on' : 'off'}, seasonal ${m.seasonal ? 'on' : 'off'}`;
}

interface Row {
  co: MethodTotals;
  byCandidate: MethodTotals[];
}

const models = candidates();
const methods: MethodSpec[] = [
  { method: 'computeOptimizer', label: 'Compute-Optimizer-style', ...BASELINES.computeOptimizer },
  ...models.map((model, i): MethodSpec => ({ method: 'stackfit', label: `candidate ${i}`, model })),
];

const rows = new Map<string, Row>();
for (const d of DATASETS) {
  const report = runBacktest(path.join(root, d.dir), { methods });
  const totals = report.totals[report.totals.length - 1]!;
  rows.set(d.name, { co: totals.methods[0]!, byCandidate: totals.methods.slice(1) });
}

const fmt = (t: MethodTotals): string =>
  `$${t.savingsUsd.toFixed(2)} (${(t.savingsShare * 100).toFixed(1)} %), CPU ${t.cpuUnderIntervals}, mem ${t.memoryOverrunIntervals}`;

const names = DATASETS.map((d) => d.name);
const scoresOf = (i: number): Record<string, MethodTotals> => Object.fromEntries(names.map((n) => [n, rows.get(n)!.byCandidate[i]!]));
const baseline = Object.fromEntries(names.map((n) => [n, rows.get(n)!.co]));
const folds = leaveOneDatasetOut(names, models.map((_, i) => scoresOf(i)), baseline).map((f) => {
  const r = rows.get(f.heldOut)!;
  return {
    heldOut: f.heldOut,
    chosen: f.chosen < 0 ? undefined : models[f.chosen]!,
    chosenIsDefault: f.chosen === 0,
    eligibleOnTraining: f.eligible,
    heldOutChosen: f.chosen < 0 ? undefined : r.byCandidate[f.chosen]!,
    heldOutDefault: r.byCandidate[0]!,
    heldOutComputeOptimizer: r.co,
  };
});

if (process.argv.includes('--json')) {
  const perCandidate = models.map((m, i) => ({ model: { ...m, halfLifeDays: m.halfLifeDays === Infinity ? 'Infinity' : m.halfLifeDays }, results: Object.fromEntries(DATASETS.map((d) => [d.name, rows.get(d.name)!.byCandidate[i]])) }));
  process.stdout.write(`${JSON.stringify({ folds, perCandidate }, (_, v) => (v === Infinity ? 'Infinity' : v), 2)}\n`);
} else {
  process.stdout.write(`${models.length} candidates × ${DATASETS.length} datasets (the first is the default: ${labelOf(DEFAULT_MODEL)})\n\n`);
  process.stdout.write('| held-out dataset | chosen on the other two | held-out: chosen | held-out: default | held-out: Compute-Optimizer-style |\n|---|---|---|---|---|\n');
  for (const f of folds) {
    const chosen = f.chosen ? `${labelOf(f.chosen)}${f.chosenIsDefault ? ' (= default)' : ''}; ${f.eligibleOnTraining} eligible` : 'none eligible';
    process.stdout.write(`| ${f.heldOut} | ${chosen} | ${f.heldOutChosen ? fmt(f.heldOutChosen) : '—'} | ${fmt(f.heldOutDefault)} | ${fmt(f.heldOutComputeOptimizer)} |\n`);
  }
  process.stdout.write('\nEvery candidate, per dataset (savings share, CPU-short intervals, memory overruns):\n');
  for (let i = 0; i < models.length; i++) {
    const cells = DATASETS.map((d) => {
      const t = rows.get(d.name)!.byCandidate[i]!;
      return `${d.name} ${(t.savingsShare * 100).toFixed(1)} % / ${t.cpuUnderIntervals} / ${t.memoryOverrunIntervals}`;
    });
    process.stdout.write(`- ${labelOf(models[i]!)}: ${cells.join('; ')}\n`);
  }
  const co = DATASETS.map((d) => { const t = rows.get(d.name)!.co; return `${d.name} ${(t.savingsShare * 100).toFixed(1)} % / ${t.cpuUnderIntervals} / ${t.memoryOverrunIntervals}`; });
  process.stdout.write(`- Compute-Optimizer-style: ${co.join('; ')}\n`);
}
