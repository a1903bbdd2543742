/**
 * Cloud Monitoring usage benchmark: `npm run bench -- cloud-monitoring [--instances N]`.
 *
 * 1,000 GCE instances × 32 days at 5 minutes (CPU utilization + Ops Agent memory) read through
 * gcpMonitoringUsageSource from the loopback Cloud Monitoring fake (test/support/cloud-fakes),
 * which runs in a child process and pages as the API does (100,000 points a page, series split
 * across pages). Data: the 40 real Bitbrains traces in data/ (30 days each; instance i carries
 * trace i mod 40), so a 32-day range holds 30 days of points. Checks every instance's series
 * against the trace it carries (exact, aligned as the API aligns). Target: < 60 s, < 1 GiB.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { OAuth2Client } from 'google-auth-library';
import type { Series, UsageRange, Workload } from '../src/model';
import { gcpMonitoringUsageSource } from '../src/usage/gcp-monitoring/index';
import { readTraceDir } from '../src/usage/traces/index';
import { aggregate } from '../test/support/cloud-fakes/common';
import { BENCH_PROJECT, BENCH_TOKEN, benchInstanceId, benchTraces } from './cloud-monitoring-data';

const DAYS = 32;
const STEP = 300;
const mib = (kib: number): string => `${(kib / 1024).toFixed(0)} MiB`;

interface FakeProcess {
  port: number;
  /** The fake's CPU seconds and peak RSS (KiB) so far, from /proc (Linux); undefined elsewhere. */
  usage: () => { cpuSeconds: number; peakKiB: number } | undefined;
  stop: () => Promise<void>;
}

/** The fake in its own node process (tsx as a loader, so the child IS the server and /proc tells its CPU). */
async function startFake(instances: number): Promise<FakeProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'cloud-monitoring-fake.ts'), '--instances', String(instances)],
    { cwd: path.join(__dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const { port } = JSON.parse(line) as { port: number };
  const ticks = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux
  return {
    port,
    usage: () => {
      try {
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
        // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the command name.
        return { cpuSeconds: (Number(fields[11]) + Number(fields[12])) / ticks, peakKiB: Number(hwm?.[1] ?? 0) };
      } catch {
        return undefined;
      }
    },
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** Why `got` differs from the trace aligned as Cloud Monitoring aligns it (mean per period, stamped at the period's end); undefined when equal. */
function difference(got: Series | undefined, raw: Series, range: UsageRange): string | undefined {
  const a = aggregate(raw, range.start.getTime(), range.end.getTime(), STEP, 'mean');
  if (!got) return 'no series';
  if (got.t.length !== a.t.length) return `${got.t.length} points, expected ${a.t.length}`;
  const i = a.t.findIndex((t, k) => got.t[k] !== t + STEP * 1000 || Math.abs(got.v[k]! - a.v[k]!) > 1e-9 * Math.max(1, Math.abs(a.v[k]!)));
  return i < 0 ? undefined : `point ${i}: ${got.t[i]} ${got.v[i]}, expected ${a.t[i]! + STEP * 1000} ${a.v[i]}`;
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--instances');
  const instances = at > 0 ? Number(process.argv[at + 1]) : 1000;
  const traces = benchTraces(readTraceDir);
  const t0 = performance.now();
  const fake = await startFake(instances);
  console.log(
    `setup: fake Cloud Monitoring (child process) ready in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${instances} instances over ${traces.length} real traces`,
  );
  try {
    const traceOf = (i: number) => traces[i % traces.length]!;
    const workloads: Workload[] = Array.from({ length: instances }, (_, i) => ({
      urn: `urn:pulumi:bench::gcp::gcp:compute/instance:Instance::vm-${i}`,
      name: `vm-${i}`,
      type: 'gcp:compute/instance:Instance',
      kind: 'vm',
      cloud: 'gcp',
      region: 'europe-west4',
      size: `bitbrains-${i}`,
      count: 1,
      metricIds: { name: `vm-${i}`, gcpInstanceId: benchInstanceId(i), gcpProject: BENCH_PROJECT },
    }));
    const index = new Map(workloads.map((w, i) => [w.urn, i]));
    const traceEnd = Math.max(...traces.map((t) => t.cpuCores.t.at(-1)!));
    const end = Math.ceil(traceEnd / 3_600_000) * 3_600_000;
    const range: UsageRange = { start: new Date(end - DAYS * 86_400_000), end: new Date(end), stepSeconds: STEP };
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: BENCH_TOKEN, expiry_date: Date.now() + 3_600_000 });
    const source = gcpMonitoringUsageSource({
      vcpuOf: (w) => traceOf(index.get(w.urn)!).provisioned!.vcpu,
      memoryGiBOf: (w) => traceOf(index.get(w.urn)!).provisioned!.memoryGiB,
      client: { apiEndpoint: '127.0.0.1', port: fake.port, protocol: 'http', authClient },
    });

    const rssBefore = process.resourceUsage().maxRSS;
    const fakeBefore = fake.usage();
    const cpuBefore = process.cpuUsage();
    const t1 = performance.now();
    const result = await source.fetch(workloads, range);
    const fetchMs = performance.now() - t1;
    const cpu = process.cpuUsage(cpuBefore);
    const fakeAfter = fake.usage();
    const points = [...result.series.values()].reduce((n, s) => n + s.cpuCores.t.length + (s.memoryGiB?.t.length ?? 0), 0);

    let exact = 0;
    const differences = new Map<string, string>();
    for (const [i, w] of workloads.entries()) {
      const s = result.series.get(w.urn);
      const t = traceOf(i);
      const why = difference(s?.cpuCores, t.cpuCores, range) ?? difference(s?.memoryGiB, t.memoryGiB!, range);
      if (why) differences.set(t.id, why);
      else exact++;
    }
    for (const [trace, why] of differences) console.error(`differs from trace ${trace}: ${why}`);
    const load = os.loadavg()[0]!.toFixed(1);
    console.log(
      `fetch:    ${instances} instances × ${DAYS} days @ ${STEP / 60} min: ${(fetchMs / 1000).toFixed(2)} s, ${points.toLocaleString('en')} points, ${result.series.size} served, ${result.missing.length} missing, ${exact} equal to their trace`,
    );
    console.log(
      `cpu:      ${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU s in stackfit (${((cpu.user + cpu.system) / points || 0).toFixed(2)} µs a point), ${source.stats.requests} requests; load average ${load} on ${os.availableParallelism()} cores`,
    );
    const fakeCpu = fakeBefore && fakeAfter ? `${(fakeAfter.cpuSeconds - fakeBefore.cpuSeconds).toFixed(1)} CPU s` : 'n/a (no /proc)';
    console.log(
      `fake:     ${fakeCpu} in the fake Cloud Monitoring (its own process) during the fetch; its peak RSS ${fakeAfter ? mib(fakeAfter.peakKiB) : 'n/a'}`,
    );
    console.log(`memory:   peak RSS ${mib(process.resourceUsage().maxRSS)} (before fetch ${mib(rssBefore)}; target < 1 GiB)`);
    console.log(
      `total:    ${(fetchMs / 1000).toFixed(2)} s wall (target < 60 s; stackfit and the fake share ${os.availableParallelism()} cores)`,
    );
    if (exact !== instances) {
      console.error(`${instances - exact} instance(s) differ from their trace`);
      process.exitCode = 1;
    }
  } finally {
    await fake.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
