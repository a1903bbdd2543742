import { Command, Option } from 'commander';
import type TableClass from 'cli-table3';
import { createRequire } from 'node:module';
import type { BacktestReport, MethodResult } from '../backtest/index';
import { emit } from './output';

// The back-test (forecaster, catalog) and table renderer load when used, not at start-up.
const requireLazily = createRequire(__filename);

/** `stackfit backtest <dir>`: recommend from the first weeks of real traces, score on the rest. */
export function register(program: Command): void {
  program
    .command('backtest')
    .description('Back-test the forecaster on a directory of Bitbrains / Azure V1 traces against Compute-Optimizer- and VPA-style baselines')
    .argument('<dir>', 'directory of trace files (found by their headers)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--train-days <days>', 'days of each trace to recommend from; the rest is scored', '21')
    .option('--output <file>', 'write the report to a file (atomically) instead of stdout')
    .action(async (dir: string, opts: { format: 'table' | 'json'; trainDays: string; output?: string }) => {
      const { runBacktest } = await import('../backtest/index.js');
      const trainDays = Number(opts.trainDays);
      const report = runBacktest(dir, { trainDays: Number.isFinite(trainDays) && trainDays > 0 ? trainDays : 21 });
      emit(opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderBacktestTable(report), opts.output);
      process.exitCode = 0;
    });
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)} %`;
}

function usd(x: number): string {
  return `${x < 0 ? '-' : ''}$${Math.abs(x).toFixed(2)}`;
}

function cell(m: MethodResult): string {
  return `${m.size} ${m.vcpu}/${m.memoryGiB} ${usd(m.savingsUsd)} / ${m.underProvisionedIntervals}`;
}

/** Per-trace table, totals and the verdict, for terminals. */
export function renderBacktestTable(report: BacktestReport): string {
  // No colours: the table often goes to a file or a CI log.
  const style = { head: [], border: [] };
  const Table = requireLazily('cli-table3') as typeof TableClass;
  const perTrace = new Table({ head: ['trace', 'current (vCPU/GiB, $/month)', 'stackfit', 'Compute-Optimizer-style', 'VPA-style'], style });
  for (const t of report.traces) {
    perTrace.push([
      t.id + (t.cpuOnly ? ' (CPU only)' : ''),
      `${t.current.size} ${t.current.vcpu}/${t.current.memoryGiB} ${usd(t.current.monthlyUsd)}`,
      cell(t.stackfit),
      cell(t.computeOptimizer),
      cell(t.vpa),
    ]);
  }
  const totals = new Table({ head: ['method', 'monthly', 'savings', 'under-provisioned intervals'], style });
  const tt = report.totals;
  totals.push(['current', usd(tt.current.monthlyUsd), '', `${tt.current.underProvisionedIntervals} (${pct(tt.current.underProvisionedShare)})`]);
  for (const [name, m] of [['stackfit', tt.stackfit], ['Compute-Optimizer-style (P99.5 + 20 %)', tt.computeOptimizer], ['VPA-style (P90 + 15 %)', tt.vpa]] as const) {
    totals.push([name, usd(m.monthlyUsd), `${usd(m.savingsUsd)} (${pct(m.savingsShare)})`, `${m.underProvisionedIntervals} (${pct(m.underProvisionedShare)})`]);
  }
  const c = report.comparison;
  const verdict = `stackfit vs the better baseline (${c.betterBaseline}): saves at least as much: ${c.savesAtLeastAsMuch ? 'yes' : 'NO'}; under-provisions no more: ${c.underProvisionsNoMore ? 'yes' : 'NO'}`;
  const skipped = report.skipped.map((s) => `skipped ${s.id}: ${s.reason}\n`).join('');
  return `Per trace: size vCPU/GiB, monthly savings vs current / under-provisioned 5-minute intervals (of ${tt.intervals} scored)\n${perTrace.toString()}\n\n${totals.toString()}\n${verdict}\n${skipped}`;
}
