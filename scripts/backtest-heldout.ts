/**
 * Held-out honesty check of the back-test (docs/work-notes/qa-session4-sizing.md):
 * `npx tsx scripts/backtest-heldout.ts [--json]`.
 *
 * The forecaster's defaults were chosen (scripts/backtest-cv.ts) on splits after 14, 18 and 21
 * days from the START of each trace. This runs other windows — training that starts later (7, 10
 * or 14 days in), one-week and ten-day histories, an early split scored over 17 days — and
 * reports every method per class of trace, classes a rescorer would pick (computed on the whole
 * CPU trace, for stratification only; nothing here feeds back into the model):
 *   - high-variance: CPU coefficient of variation in the top quarter of its dataset;
 *   - step: the last 7 days' mean CPU differs from the earlier days' mean by more than 50 %;
 *   - growth: Mann–Kendall-significant rise of the daily P95 (|Z| > 1.96, the forecaster's test);
 *   - weekly: weekday and weekend mean CPU differ by more than 30 % (Bitbrains: real dates;
 *     Azure V1 has interval numbers only, its weekdays are nominal);
 *   - all.
 */
import path from 'node:path';
import { runBacktest } from '../src/backtest/index';
import type { TraceResult } from '../src/backtest/index';
import { loadBacktestTraces } from '../src/backtest/traces';
import type { BacktestTrace } from '../src/backtest/traces';
import { dailyTrend } from '../src/forecast/index';

const root = path.resolve(__dirname, '..');
const DIRS = ['data/traces', 'data/more-traces'];
const DAY_MS = 86_400_000;
const WINDOWS = [
  { offsetDays: 0, trainDays: 21, note: 'reference: the window the defaults were cross-validated on' },
  { offsetDays: 7, trainDays: 14, note: 'training starts a week later' },
  { offsetDays: 14, trainDays: 7, note: 'one week of history' },
  { offsetDays: 10, trainDays: 10, note: 'ten days of history, starts 10 days in' },
  { offsetDays: 0, trainDays: 10, note: 'early split, 17+ days scored' },
] as const;

function mean(v: ArrayLike<number>, from = 0, to = v.length): number {
  let s = 0;
  let n = 0;
  for (let i = from; i < to; i++) {
    if (!Number.isFinite(v[i])) continue;
    s += v[i]!;
    n++;
  }
  return n > 0 ? s / n : NaN;
}

function classesOf(traces: BacktestTrace[]): Map<string, Set<string>> {
  const cvById = new Map<string, number>();
  const out = new Map<string, Set<string>>();
  for (const tr of traces) {
    const { t, v } = tr.cpuCores;
    const m = mean(v);
    const sd = Math.sqrt(mean(Array.from(v, (x) => (x - m) ** 2)));
    cvById.set(tr.id, m > 0 ? sd / m : 0);
    const classes = new Set<string>(['all']);
    const lastWeek = t.findIndex((x) => x >= t[t.length - 1]! - 7 * DAY_MS);
    const before = mean(v, 0, lastWeek);
    const after = mean(v, lastWeek);
    if (before > 0 && Math.abs(after / before - 1) > 0.5) classes.add('step');
    if (dailyTrend({ t: Float64Array.from(t), v: Float64Array.from(v) }).z > 1.96) classes.add('growth');
    const weekday: number[] = [];
    const weekend: number[] = [];
    for (let i = 0; i < t.length; i++) (new Date(t[i]!).getUTCDay() % 6 === 0 ? weekend : weekday).push(v[i]!);
    const ratio = mean(weekday) / mean(weekend);
    if (ratio > 1.3 || ratio < 1 / 1.3) classes.add('weekly');
    out.set(tr.id, classes);
  }
  for (const dataset of new Set(traces.map((x) => x.dataset))) {
    const ids = traces.filter((x) => x.dataset === dataset).map((x) => x.id);
    const sorted = ids.map((id) => cvById.get(id)!).sort((a, b) => a - b);
    const q3 = sorted[Math.floor(sorted.length * 0.75)]!;
    for (const id of ids) if (cvById.get(id)! >= q3) out.get(id)!.add('high-variance');
  }
  return out;
}

interface Cell {
  traces: number;
  current: number;
  methods: { label: string; savingsUsd: number; cpuShort: number; memOverruns: number; tracesOverrun: number }[];
}

function sumOf(rows: TraceResult[]): Cell {
  const labels = rows[0]?.results.map((r) => r.label) ?? [];
  return {
    traces: rows.length,
    current: rows.reduce((s, r) => s + r.current.monthlyUsd, 0),
    methods: labels.map((label, i) => ({
      label,
      savingsUsd: Math.round(rows.reduce((s, r) => s + r.results[i]!.savingsUsd, 0) * 100) / 100,
      cpuShort: rows.reduce((s, r) => s + r.results[i]!.cpuUnderIntervals, 0),
      memOverruns: rows.reduce((s, r) => s + r.results[i]!.memoryOverrunIntervals, 0),
      tracesOverrun: rows.filter((r) => r.results[i]!.memoryOverrunIntervals > 0).length,
    })),
  };
}

const CLASSES = ['all', 'high-variance', 'step', 'growth', 'weekly'] as const;
const allTraces = DIRS.flatMap((d) => loadBacktestTraces(path.join(root, d)).traces.map((t) => ({ ...t, dataset: `${d}/${t.dataset}` })));
const classes = classesOf(allTraces);
const report: { window: (typeof WINDOWS)[number]; byDataset: Record<string, Record<string, Cell>> }[] = [];
for (const w of WINDOWS) {
  const rows: (TraceResult & { set: string })[] = [];
  for (const d of DIRS) {
    const r = runBacktest(path.join(root, d), { trainDays: w.trainDays, offsetDays: w.offsetDays });
    for (const t of r.traces) rows.push({ ...t, set: t.source === 'azure-wide' ? 'azure-v1' : 'bitbrains (31)' });
  }
  const byDataset: Record<string, Record<string, Cell>> = {};
  for (const set of ['azure-v1', 'bitbrains (31)']) {
    byDataset[set] = {};
    for (const c of CLASSES) {
      const sel = rows.filter((r) => r.set === set && classes.get(r.id)?.has(c));
      if (sel.length > 0) byDataset[set][c] = sumOf(sel);
    }
  }
  report.push({ window: w, byDataset });
}

if (process.argv.includes('--json'))
  process.stdout.write(`${JSON.stringify({ classes: Object.fromEntries([...classes].map(([k, v]) => [k, [...v]])), report }, null, 2)}\n`);
else {
  const money = (x: number) => `${x < 0 ? '−' : ''}$${Math.abs(x).toFixed(2)}`;
  for (const { window: w, byDataset } of report) {
    console.log(`\n## offset ${w.offsetDays} d, train ${w.trainDays} d (${w.note})`);
    console.log('| set | class | traces | current $/mo | stackfit: saved, CPU-short, mem overruns | CO-style | VPA-recommender-style |');
    console.log('|---|---|---|---|---|---|---|');
    for (const [set, cells] of Object.entries(byDataset))
      for (const [c, cell] of Object.entries(cells))
        console.log(
          `| ${set} | ${c} | ${cell.traces} | ${cell.current.toFixed(2)} | ${cell.methods
            .map((m) => `${money(m.savingsUsd)}, ${m.cpuShort}, ${m.memOverruns}${m.tracesOverrun ? ` (${m.tracesOverrun})` : ''}`)
            .join(' | ')} |`,
        );
  }
}
