/**
 * Leave-one-dataset-out cross-validation of the forecaster's model choices (docs/backtest.md):
 * `npx tsx scripts/backtest-cv.ts [--json] [--train-days=14,18,21]`.
 *
 * Datasets: Azure V1 (50 VMs), Bitbrains Rnd (10 VMs) and the 30 extra Bitbrains VMs (21 of them
 * long enough), each split at 14, 18 and 21 days (rolling origin). Candidates: every combination
 * of recency half-life, memory margin over the peak, trend mode and seasonal slots on/off
 * (`ModelSettings`). For each held-out dataset,
 * the candidate is chosen on the OTHER two only (`leaveOneDatasetOut`, src/backtest/cv.ts):
 *   1. eligible: on each of their splits, no more CPU under-provisioning and no more memory
 *      overruns than Compute-Optimizer-style (P99.5 + 20 %);
 *   2. best: the highest mean savings share over those splits (each weighs the same);
 *   3. ties: the candidate with the fewest settings changed from the default (default first).
 * Then it is scored on the held-out dataset, beside Compute-Optimizer-style and the default.
 * The percentile and headroom are the user's settings (stackfit.yaml), not tuned here.
 */
import path from 'node:path';
import { BASELINES, runBacktest } from '../src/backtest/index';
import type { MethodSpec, MethodTotals } from '../src/backtest/index';
import { leaveOneDatasetOut } from '../src/backtest/cv';
import { DEFAULT_MODEL, TREND_MODES } from '../src/forecast/index';
import type { ModelSettings } from '../src/forecast/index';

const root = path.resolve(__dirname, '..');
const DATASETS = [
  { name: 'azure-v1', dir: 'data/traces/azure-v1' },
  { name: 'bitbrains-rnd', dir: 'data/traces/bitbrains-rnd-2013-07' },
  { name: 'more-traces', dir: 'data/more-traces/bitbrains-rnd-2013-07' },
] as const;

/**
 * Every combination, ordered by how many settings differ from the default (the default first):
 * a tie on the training datasets then goes to the smallest change.
 */
function candidates(): ModelSettings[] {
  const out: ModelSettings[] = [];
  for (const halfLifeDays of [7, 14, 28, Infinity])
    for (const memoryPeakMargin of [0, 0.05, 0.1])
      for (const trend of TREND_MODES) for (const seasonal of [true, false]) out.push({ halfLifeDays, memoryPeakMargin, trend, seasonal });
  const changes = (m: ModelSettings): number =>
    Number(m.halfLifeDays !== DEFAULT_MODEL.halfLifeDays) +
    Number(m.memoryPeakMargin !== DEFAULT_MODEL.memoryPeakMargin) +
    Number(m.trend !== DEFAULT_MODEL.trend) +
    Number(m.seasonal !== DEFAULT_MODEL.seasonal);
  return out
    .map((m, i) => ({ m, i, c: changes(m) }))
    .sort((a, b) => a.c - b.c || a.i - b.i)
    .map((x) => x.m);
}

function labelOf(m: ModelSettings): string {
  return `half-life ${m.halfLifeDays === Infinity ? '∞' : m.halfLifeDays} d, margin ${m.memoryPeakMargin * 100} %, trend ${m.trend}, seasonal ${m.seasonal ? 'on' : 'off'}`;
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

/** Training windows: each dataset is split at each of these days (rolling origin); default 14, 18, 21. */
const daysArg = process.argv.find((a) => a.startsWith('--train-days='));
const WINDOWS = daysArg ? daysArg.slice('--train-days='.length).split(',').map(Number) : [14, 18, 21];
if (WINDOWS.some((d) => !(d > 0))) throw new Error(`--train-days=${daysArg}: expected positive numbers, e.g. --train-days=14,21`);

const rows = new Map<string, Row>();
const units: Record<string, string[]> = {};
for (const d of DATASETS) {
  units[d.name] = [];
  for (const trainDays of WINDOWS) {
    const report = runBacktest(path.join(root, d.dir), { methods, trainDays });
    const totals = report.totals[report.totals.length - 1]!;
    const key = `${d.name}@${trainDays}`;
    units[d.name]!.push(key);
    rows.set(key, { co: totals.methods[0]!, byCandidate: totals.methods.slice(1) });
  }
}
const keys = [...rows.keys()];

const fmt = (t: MethodTotals): string =>
  `$${t.savingsUsd.toFixed(2)} (${(t.savingsShare * 100).toFixed(1)} %), CPU ${t.cpuUnderIntervals}, mem ${t.memoryOverrunIntervals}`;

const scoresOf = (i: number): Record<string, MethodTotals> => Object.fromEntries(keys.map((k) => [k, rows.get(k)!.byCandidate[i]!]));
const baseline = Object.fromEntries(keys.map((k) => [k, rows.get(k)!.co]));
const folds = leaveOneDatasetOut(
  units,
  models.map((_, i) => scoresOf(i)),
  baseline,
).map((f) => ({
  heldOut: f.heldOut,
  chosen: f.chosen < 0 ? undefined : models[f.chosen]!,
  chosenIsDefault: f.chosen === 0,
  eligibleOnTraining: f.eligible,
  heldOutByWindow: units[f.heldOut]!.map((key) => {
    const r = rows.get(key)!;
    return { key, chosen: f.chosen < 0 ? undefined : r.byCandidate[f.chosen]!, default: r.byCandidate[0]!, computeOptimizer: r.co };
  }),
}));

if (process.argv.includes('--json')) {
  const perCandidate = models.map((m, i) => ({ model: m, results: Object.fromEntries(keys.map((k) => [k, rows.get(k)!.byCandidate[i]])) }));
  process.stdout.write(
    `${JSON.stringify({ windows: WINDOWS, folds, perCandidate, computeOptimizer: Object.fromEntries(keys.map((k) => [k, rows.get(k)!.co])) }, (_, v: unknown) => (v === Infinity ? 'Infinity' : v), 2)}\n`,
  );
} else {
  process.stdout.write(
    `${models.length} candidates × ${DATASETS.length} datasets × training windows ${WINDOWS.join(', ')} days (the first candidate is the default: ${labelOf(DEFAULT_MODEL)})\n\n`,
  );
  process.stdout.write(
    '| held-out dataset | chosen on the other two | window | held-out: chosen | held-out: default | held-out: Compute-Optimizer-style |\n|---|---|---|---|---|---|\n',
  );
  for (const f of folds) {
    const chosen = f.chosen
      ? `${labelOf(f.chosen)}${f.chosenIsDefault ? ' (= default)' : ''}; ${f.eligibleOnTraining} eligible`
      : 'none eligible';
    for (const w of f.heldOutByWindow) {
      process.stdout.write(
        `| ${f.heldOut} | ${chosen} | ${w.key.split('@')[1]} d | ${w.chosen ? fmt(w.chosen) : '—'} | ${fmt(w.default)} | ${fmt(w.computeOptimizer)} |\n`,
      );
    }
  }
  process.stdout.write('\nEvery candidate (savings share / CPU-short intervals / memory overruns):\n');
  for (let i = 0; i < models.length; i++) {
    const cells = keys.map((k) => {
      const t = rows.get(k)!.byCandidate[i]!;
      return `${k} ${(t.savingsShare * 100).toFixed(1)} % / ${t.cpuUnderIntervals} / ${t.memoryOverrunIntervals}`;
    });
    process.stdout.write(`- ${labelOf(models[i]!)}: ${cells.join('; ')}\n`);
  }
  const co = keys.map((k) => {
    const t = rows.get(k)!.co;
    return `${k} ${(t.savingsShare * 100).toFixed(1)} % / ${t.cpuUnderIntervals} / ${t.memoryOverrunIntervals}`;
  });
  process.stdout.write(`- Compute-Optimizer-style: ${co.join('; ')}\n`);
}
