/**
 * Policy pack benchmark: start-up (spawn → port line, as the Pulumi CLI launches the pack) and
 * AnalyzeStack round trips for stacks of 100, 1,000 and 10,000 VMs whose sizes are real catalog
 * sizes across AWS, Azure and GCP. Run: `npx tsx bench/policy.ts` (builds the pack first if
 * dist/ is missing: `npm run build`).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCatalog } from '../src/catalog';
import type { Offering } from '../src/model';
import { launchPolicyPack, PolicySession, type HarnessResource } from '../src/policy-harness';

const packDir = path.resolve(__dirname, '../policies');

/** CPU time (user + system, ms) the pack process has used: less sensitive than wall time to a busy machine. */
function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 Hz on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** VMs cycling through real sizes: AWS us-east-1, Azure eastus, GCP us-central1. */
function fleet(n: number): HarnessResource[] {
  const catalog = loadCatalog();
  const pick = (cloud: 'aws' | 'azure' | 'gcp', region: string): Offering[] =>
    catalog
      .offerings({ cloud, region, kind: 'vm' })
      .filter((o) => o.gpus === 0 && o.vcpu <= 16)
      .slice(0, 200);
  const pools = { aws: pick('aws', 'us-east-1'), azure: pick('azure', 'eastus'), gcp: pick('gcp', 'us-central1') };
  const out: HarnessResource[] = [];
  for (let i = 0; i < n; i++) {
    const cloud = (['aws', 'azure', 'gcp'] as const)[i % 3]!;
    const o = pools[cloud][Math.floor(i / 3) % pools[cloud].length]!;
    const name = `vm-${i}`;
    if (cloud === 'aws')
      out.push({
        urn: `urn:pulumi:bench::bench::aws:ec2/instance:Instance::${name}`,
        type: 'aws:ec2/instance:Instance',
        inputs: { instanceType: o.size, ami: 'ami-0abcdef1234567890', tags: { team: 'bench' } },
      });
    else if (cloud === 'azure')
      out.push({
        urn: `urn:pulumi:bench::bench::azure-native:compute:VirtualMachine::${name}`,
        type: 'azure-native:compute:VirtualMachine',
        inputs: { location: 'eastus', hardwareProfile: { vmSize: o.size }, resourceGroupName: 'rg' },
      });
    else
      out.push({
        urn: `urn:pulumi:bench::bench::gcp:compute/instance:Instance::${name}`,
        type: 'gcp:compute/instance:Instance',
        inputs: { machineType: o.size, zone: 'us-central1-a', labels: { team: 'bench' } },
      });
  }
  return out;
}

async function main(): Promise<void> {
  console.log(
    `machine: ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  if (!existsSync(path.resolve(__dirname, '../dist/policies/index.js'))) {
    throw new Error('dist/policies/index.js is missing: run `npm run build` first');
  }
  const launches: number[] = [];
  for (let i = 0; i < 5; i++) {
    const pack = await launchPolicyPack({ packDir, project: 'bench', stack: 'bench', config: { 'aws:region': 'us-east-1' } });
    launches.push(pack.startupMs);
    await pack.close();
  }
  console.log(
    `start-up (spawn → port), 5 launches: median ${median(launches).toFixed(0)} ms, min ${Math.min(...launches).toFixed(0)} ms, max ${Math.max(...launches).toFixed(0)} ms`,
  );

  const session = await PolicySession.start({ packDir, project: 'bench', stack: 'bench', config: { 'aws:region': 'us-east-1' } });
  try {
    // Every stack policy on: the budget (mandatory), and the cost report (one line per VM).
    await session.configure({ 'stackfit-stack-budget': { maxMonthlyCost: 1e9 }, 'stackfit-cost-report': 'advisory' });
    for (const n of [100, 1_000, 10_000]) {
      const resources = fleet(n);
      // The engine (Go) encodes the request; build it once so that only the pack's side is timed.
      const encodeStart = performance.now();
      const request = session.analyzeStackRequest(resources);
      const encodeMs = performance.now() - encodeStart;
      await session.analyzeStack(request); // warm-up
      const times: number[] = [];
      let lines = 0;
      const cpuBefore = cpuMs(session.pack.pid);
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        const r = await session.analyzeStack(request);
        times.push(performance.now() - t);
        lines = r.diagnostics.length;
      }
      const cpuAfter = cpuMs(session.pack.pid);
      const cpu = cpuBefore !== undefined && cpuAfter !== undefined ? `, pack CPU ${((cpuAfter - cpuBefore) / 5).toFixed(0)} ms/call` : '';
      const t = performance.now();
      await Promise.all(resources.slice(0, 1000).map((r) => session.analyze(r)));
      const analyzeMs = performance.now() - t;
      console.log(
        `AnalyzeStack, ${n.toLocaleString('en-US')} VMs, budget + cost report: median ${median(times).toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}${cpu}; ${lines} diagnostics; request encoding ${encodeMs.toFixed(0)} ms not counted); ` +
          `Remediate+Analyze of ${Math.min(n, 1000)} VMs: ${analyzeMs.toFixed(0)} ms`,
      );
    }
    // Budget only (cost report off): the check that runs in every preview.
    await session.configure({ 'stackfit-stack-budget': { maxMonthlyCost: 1e9 } });
    const thousand = session.analyzeStackRequest(fleet(1_000));
    await session.analyzeStack(thousand);
    const times: number[] = [];
    const cpuBefore = cpuMs(session.pack.pid);
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      await session.analyzeStack(thousand);
      times.push(performance.now() - t);
    }
    const cpuAfter = cpuMs(session.pack.pid);
    const cpu = cpuBefore !== undefined && cpuAfter !== undefined ? `, pack CPU ${((cpuAfter - cpuBefore) / 10).toFixed(0)} ms/call` : '';
    console.log(
      `AnalyzeStack, 1,000 VMs, budget only (the default in every preview): median ${median(times).toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}${cpu})`,
    );
  } finally {
    await session.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
