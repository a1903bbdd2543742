/**
 * The loopback Cloud Monitoring for bench/cloud-monitoring.ts, in its own process (so that its
 * CPU and memory are not counted as stackfit's). Serves the real Bitbrains traces (data/traces
 * and data/more-traces, 40 VMs) replicated over `--instances N` instance ids: instance i carries
 * trace i mod 40. Prints one JSON line `{ "port": … }` when listening; stops on SIGTERM.
 */
import type { Series } from '../src/model';
import { readTraceDir } from '../src/usage/traces/index';
import { gcpMetricKey, startFakeGcpMonitoring } from '../test/support/cloud-fakes/gcp-monitoring';
import { BENCH_PROJECT, BENCH_TOKEN, benchInstanceId, benchTraces } from './cloud-monitoring-data';

const CPU = 'compute.googleapis.com/instance/cpu/utilization';
const MEMORY = 'agent.googleapis.com/memory/percent_used';

async function main(): Promise<void> {
  const n = Number(process.argv[process.argv.indexOf('--instances') + 1] ?? 1000);
  const traces = benchTraces(readTraceDir);
  const metrics = new Map<string, Series>();
  for (let i = 0; i < n; i++) {
    const t = traces[i % traces.length]!;
    const prov = t.provisioned!;
    // Values as Cloud Monitoring holds them: CPU as a fraction of the vCPUs, memory in percent.
    metrics.set(gcpMetricKey(BENCH_PROJECT, CPU, benchInstanceId(i)), { t: t.cpuCores.t, v: t.cpuCores.v.map((c) => c / prov.vcpu) });
    metrics.set(gcpMetricKey(BENCH_PROJECT, MEMORY, benchInstanceId(i)), {
      t: t.memoryGiB!.t,
      v: t.memoryGiB!.v.map((g) => (g / prov.memoryGiB) * 100),
    });
  }
  const fake = await startFakeGcpMonitoring({ metrics, token: BENCH_TOKEN });
  process.stdout.write(`${JSON.stringify({ port: fake.port })}\n`);
  process.on('SIGTERM', () => void fake.stop().then(() => process.exit(0)));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
