/**
 * Start-up benchmark: wall time of cold `stackfit` processes as a user runs them
 * (`node bin/stackfit.js …`: compiled dist/, rebuilt first if src/ changed), median of 5 each.
 * Targets (issue #15): `--help` under 0.5 s, `recommend --demo` under 2 s. `node -e 0` is timed
 * too, as the floor of any Node command on this machine, and the load average is printed: on a
 * shared machine every figure moves with it.
 *
 * Run: `npm run bench -- startup`.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'stackfit.js');
const RUNS = 5;

function timeOnce(args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return seconds;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function bench(label: string, args: string[], target?: number): void {
  const times = Array.from({ length: RUNS }, () => timeOnce(args));
  const m = median(times);
  const verdict = target === undefined ? '' : m < target ? `  (target < ${target} s: met)` : `  (target < ${target} s: MISSED)`;
  process.stdout.write(`${label.padEnd(44)} median ${m.toFixed(3)} s  [${times.map((t) => t.toFixed(2)).join(', ')}]${verdict}\n`);
}

process.stdout.write(
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${os.cpus().length} CPUs, node ${process.version}\n`,
);
// Brings dist/ up to date first, so that no timed run includes a rebuild.
timeOnce([BIN, '--version']);

bench('node -e 0 (floor)', ['-e', '0']);
bench('stackfit --help', [BIN, '--help'], 0.5);

// The first demo run after a clone or an edit of the example project runs the program (all
// three Pulumi provider SDKs) and fills .stackfit-cache/program; later runs read the cache.
rmSync(path.join(ROOT, '.stackfit-cache', 'program'), { recursive: true, force: true });
process.stdout.write(
  `${'stackfit recommend --demo, program cache empty'.padEnd(44)} once   ${timeOnce([BIN, 'recommend', '--demo']).toFixed(3)} s\n`,
);
bench('stackfit recommend --demo', [BIN, 'recommend', '--demo'], 2);
process.stdout.write(
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`,
);
