import { Command, Option } from 'commander';
import type TableClass from 'cli-table3';
import { createRequire } from 'node:module';
import type { BacktestReport, GroupTotals, MethodResult } from '../backtest/index';
import type { SweepReport } from '../backtest/sweep';
import { StackfitError } from '../model';
import { usd } from '../money';
import { emit } from './output';

// The back-test (forecaster, catalog) and table renderer load when used, not at start-up.
const requireLazily = createRequire(__filename);
const newTable = (options: TableClass.TableConstructorOptions): TableClass.Table =>
  new (requireLazily('cli-table3') as typeof TableClass)(options);

interface BacktestCliOptions {
  format: 'table' | 'json';
  trainDays: string;
  output?: string;
  failOnRegression?: boolean;
  sweep?: boolean;
  chart?: string;
}

function parseTrainDays(text: string): number {
  const days = Number(text);
  if (!Number.isFinite(days) || days <= 0) throw new StackfitError(`must be a positive number of days, got "${text}"`, '--train-days');
  return days;
}

/** `stackfit backtest <dir>`: recommend from the first weeks of real traces, score on the rest. */
export function register(program: Command): void {
  program
    .command('backtest')
    .description(
      'Back-test the forecaster on a directory of Bitbrains / Azure V1 traces against Compute-Optimizer- and VPA-style baselines',
    )
    .argument('<dir>', 'directory of trace files (found by their headers; other files are listed as skipped)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--train-days <days>', 'days of each trace to recommend from; the rest is scored', '21')
    .option('--output <file>', 'write the report to a file (atomically) instead of stdout')
    .option('--fail-on-regression', 'exit 1 when stackfit loses to the Compute-Optimizer-style baseline on any dataset or overall')
    .option(
      '--sweep',
      'run stackfit at several percentiles and both baselines at several percentiles/headrooms (savings vs under-provisioning)',
    )
    .option('--chart <file.svg>', 'with --sweep: also write the curves as an SVG chart')
    .action(async (dir: string, opts: BacktestCliOptions) => {
      const trainDays = parseTrainDays(opts.trainDays);
      if (opts.chart && !opts.sweep) throw new StackfitError('needs --sweep', '--chart');
      if (opts.sweep) {
        const { runSweep } = await import('../backtest/sweep.js');
        const { renderSweepChart } = await import('../backtest/sweep-chart.js');
        const sweep = runSweep(dir, { trainDays });
        // The chart first: a failed write leaves no report claiming it exists.
        if (opts.chart) emit(renderSweepChart(sweep), opts.chart);
        emit(opts.format === 'json' ? `${JSON.stringify(sweep, null, 2)}\n` : renderSweepTable(sweep), opts.output);
        const lost = sweep.groups.some((g) => !g.defaultBeyond.computeOptimizer);
        process.exitCode = opts.failOnRegression && lost ? 1 : 0;
        return;
      }
      const { runBacktest } = await import('../backtest/index.js');
      const report = runBacktest(dir, { trainDays });
      emit(opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderBacktestTable(report), opts.output);
      process.exitCode = opts.failOnRegression && report.regression ? 1 : 0;
    });
}

function pct(x: number, digits = 2): string {
  return `${(x * 100).toFixed(digits)} %`;
}

function cell(m: MethodResult): string {
  const flags = [m.cpuBound ? 'CPU-bound' : '', m.confidence ? `confidence ${m.confidence}` : ''].filter(Boolean).join(', ');
  return `${m.size} ${m.vcpu} vCPU/${m.memoryGiB} GiB ${usd(m.savingsUsd)}; CPU ${m.cpuUnderIntervals} / mem ${m.memoryOverrunIntervals}${flags ? ` (${flags})` : ''}`;
}

function groupTable(g: GroupTotals): string {
  const style = { head: [], border: [] };
  const t = newTable({ head: ['method', 'monthly', 'savings', 'CPU under-provisioned', 'memory overruns (traces)', 'worst trace'], style });
  t.push(['current', usd(g.current.monthlyUsd), '', String(g.current.cpuUnderIntervals), String(g.current.memoryOverrunIntervals), '']);
  for (const m of g.methods) {
    t.push([
      m.label,
      usd(m.monthlyUsd),
      `${usd(m.savingsUsd)} (${pct(m.savingsShare, 1)})`,
      `${m.cpuUnderIntervals} (${pct(m.cpuUnderShare, 3)})`,
      `${m.memoryOverrunIntervals} (${m.tracesWithMemoryOverrun})`,
      m.worst ? `${m.worst.id}: ${pct(m.worst.underProvisionedShare)}` : '-',
    ]);
  }
  const c = g.comparison;
  const verdict = c
    ? `stackfit vs Compute-Optimizer-style: saves at least as much: ${c.savesAtLeastAsMuch ? 'yes' : 'NO'}; CPU under-provisions no more: ${c.cpuUnderNoMore ? 'yes' : 'NO'}; memory overruns no more: ${c.memoryOverrunsNoMore ? 'yes' : 'NO'}`
    : '';
  return `${g.name}: ${g.traces} traces, ${g.intervals} scored 5-minute intervals\n${t.toString()}\n${verdict}\n`;
}

/** Per-trace table, totals per dataset and overall, the verdicts and the skipped files, for terminals. */
export function renderBacktestTable(report: BacktestReport): string {
  // No colours: the table often goes to a file or a CI log.
  const style = { head: [], border: [] };
  const perTrace = newTable({ head: ['dataset', 'VM', 'file(s)', 'current', ...report.methods.map((m) => m.label)], style });
  for (const t of report.traces) {
    perTrace.push([
      t.dataset,
      t.vmId + (t.cpuOnly ? ' (CPU only)' : ''),
      t.files.map((f) => f.split('/').pop()).join(', '),
      `${t.current.size} ${t.current.vcpu} vCPU/${t.current.memoryGiB} GiB ${usd(t.current.monthlyUsd)}`,
      ...t.results.map(cell),
    ]);
  }
  const skipped = report.skipped.map((s) => `skipped ${s.file}: ${s.reason}\n`).join('');
  return (
    'Per trace: size, vCPU/GiB, monthly savings vs current; scored 5-minute intervals with CPU under-provisioned / memory overrun\n' +
    `${perTrace.toString()}\n\n${report.totals.map(groupTable).join('\n')}${report.regression ? 'REGRESSION: stackfit loses to Compute-Optimizer-style\n' : ''}${skipped}`
  );
}

/** The sweep's points per dataset, for terminals. */
export function renderSweepTable(sweep: SweepReport): string {
  const style = { head: [], border: [] };
  const parts: string[] = [];
  for (const g of sweep.groups) {
    const t = newTable({ head: ['setting', 'savings', 'CPU under-provisioned', 'memory overruns'], style });
    for (const p of g.points)
      t.push([
        `${p.label}${p.isDefault ? ' (default)' : ''}`,
        `${usd(p.savingsUsd)} (${pct(p.savingsShare, 1)})`,
        `${p.cpuUnderIntervals} (${pct(p.cpuUnderShare, 3)})`,
        String(p.memoryOverrunIntervals),
      ]);
    parts.push(
      `${g.name}: ${g.traces} traces\n${t.toString()}\nstackfit default on or beyond the Compute-Optimizer-style curve: ${g.defaultBeyond.computeOptimizer ? 'yes' : 'NO'}; the VPA-style curve: ${g.defaultBeyond.vpa ? 'yes' : 'NO'}\n`,
    );
  }
  return parts.join('\n') + sweep.skipped.map((s) => `skipped ${s.file}: ${s.reason}\n`).join('');
}
