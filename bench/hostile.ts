/**
 * Hostile-size benchmark (issue 13): what the size limits and linear parsers buy.
 *
 * - `stackfit check` and `stackfit recommend` on a ~50 MB `pulumi stack export` (the real
 *   one-EC2 export of data/pulumi, its instance repeated under new URNs), run as the CLI
 *   (`bin/stackfit.js`, compiled dist/), wall time and peak RSS from /usr/bin/time
 *   (the pack's child process included: GNU time reports the largest of the processes it waits for).
 * - A stack config of 25k / 50k / 100k keys through `readStackConfig` (linear: the time per key
 *   stays flat; before the fix 40k keys took 200 s).
 * - The `*a` ×25 + `*b` workload glob against an 80-character name.
 *
 *   npx tsx bench/hostile.ts [megabytes]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { matchesWorkloadKey } from '../src/config';
import { readStackConfig } from '../src/stack';

const ROOT = path.resolve(__dirname, '..');
const MB = Number(process.argv[2] ?? 50);
const EXPORT = path.join(ROOT, 'data/pulumi/stack-export/pulumi-aws-recorded-ec2-instance-5.42.0.stack.json');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stackfit-bench-hostile-'));

function bigExport(megabytes: number): { file: string; resources: number } {
  const real = JSON.parse(fs.readFileSync(EXPORT, 'utf8')) as { deployment: { resources: { urn: string; type: string; id?: string }[] } };
  const ec2 = real.deployment.resources.find((r) => r.type === 'aws:ec2/instance:Instance')!;
  const others = real.deployment.resources.filter((r) => r !== ec2);
  const one = JSON.stringify(ec2, null, 4).length;
  const count = Math.ceil((megabytes * 1_000_000) / one);
  const copies = Array.from({ length: count }, (_, i) => ({ ...ec2, urn: `${ec2.urn}-${i}`, id: `i-${i}` }));
  const file = path.join(dir, 'export.json');
  fs.writeFileSync(file, JSON.stringify({ ...real, deployment: { ...real.deployment, resources: [...others, ...copies] } }, null, 4));
  return { file, resources: count + others.length };
}

/** Wall seconds and peak RSS (MiB) of `stackfit <args>`. */
function timeCli(args: string[]): { seconds: number; peakMiB: number; code: number | null } {
  const out = path.join(dir, 'time.txt');
  const run = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', out, process.execPath, path.join(ROOT, 'bin/stackfit.js'), ...args], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const [seconds, kib] = fs.readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  if (run.status !== 0) process.stderr.write(run.stderr.slice(-2000));
  return { seconds: seconds!, peakMiB: Math.round(kib! / 1024), code: run.status };
}

function main(): void {
  process.stdout.write(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (${os.cpus().length} cores)\n`,
  );
  const { file, resources } = bigExport(MB);
  process.stdout.write(`export: ${(fs.statSync(file).size / 1e6).toFixed(1)} MB, ${resources} resources\n`);
  const usage = path.join(dir, 'usage.csv');
  fs.writeFileSync(usage, 'timestamp,resource,metric,value\n2026-10-01T00:00:00Z,my-ec2-instance,cpu_cores,0.2\n');
  const check = timeCli(['check', '--state', file, '--format', 'json']);
  process.stdout.write(`check:     ${check.seconds.toFixed(1)} s, peak RSS ${check.peakMiB} MiB (exit ${check.code})\n`);
  const recommend = timeCli(['recommend', '--state', file, '--usage', usage, '--now', '2026-10-02T00:00:00Z', '--format', 'json']);
  process.stdout.write(`recommend: ${recommend.seconds.toFixed(1)} s, peak RSS ${recommend.peakMiB} MiB (exit ${recommend.code})\n`);

  for (const keys of [25_000, 50_000, 100_000]) {
    const p = path.join(dir, `Pulumi.k${keys}.yaml`);
    fs.writeFileSync(p, `config:\n${Array.from({ length: keys }, (_, i) => `  proj:key${i}: value-${i}\n`).join('')}`);
    const started = performance.now();
    const n = Object.keys(readStackConfig(p, 'proj')).length;
    const ms = performance.now() - started;
    process.stdout.write(`stack config ${keys} keys: ${(ms / 1000).toFixed(2)} s (${((ms * 1000) / n).toFixed(1)} µs per key)\n`);
  }

  const started = performance.now();
  const matched = matchesWorkloadKey(`${'*a'.repeat(25)}*b`, 'a'.repeat(80), 'urn:pulumi:p::p::aws:ec2/instance:Instance::x');
  process.stdout.write(`glob *a×25+*b on 80 chars: ${(performance.now() - started).toFixed(2)} ms (matched: ${matched})\n`);
  process.stdout.write(
    `load average at end: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

main();
