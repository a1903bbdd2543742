import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { stackfitConfigSchema } from '../../src/config/schema';
import { HOURS_PER_MONTH, type PlanItem, type Series, type UsageSource, type Workload } from '../../src/model';
import { recommend } from '../../src/pipeline';
import { readInventory } from '../../src/stack';
import { fetchPerInstance } from '../../src/usage/instances';

/**
 * Sizing probes a FinOps engineer would write (session 4 QA; docs/work-notes/qa-session4-sizing.md):
 * `fixtures/sizing-probes.stack.json` (EC2 in us-east-1, @pulumi/aws 6 property names) plus a
 * 3-instance service, each with a declared probe load (below; shapes, not traces). Every size is
 * checked against the load by hand and every price against the raw row of the vendored CSV.
 */
const ROOT = path.resolve(__dirname, '../..');
const catalog = loadCatalog(path.join(ROOT, 'catalog'));
const NOW = new Date('2026-11-01T00:00:00Z');
const H = 3_600_000;

function series(days: number, f: (t: number) => number | undefined): Series {
  const t: number[] = [];
  const v: number[] = [];
  for (let time = NOW.getTime() - days * 24 * H; time < NOW.getTime(); time += 300_000) {
    const x = f(time);
    if (x !== undefined) {
      t.push(time);
      v.push(x);
    }
  }
  return { t, v };
}
const hourOfDay = (t: number) => new Date(t).getUTCHours();
const wave = (t: number) => Math.sin((2 * Math.PI * t) / (24 * H));

/** Probe loads per VM: cores and GiB used, 5-minute samples. */
const LOAD: Record<string, { cpu: Series; mem: Series }> = {
  'idle-30d': { cpu: series(30, (t) => 0.02 + 0.01 * wave(t)), mem: series(30, () => 1.5) },
  'hot-100': { cpu: series(30, () => 2), mem: series(30, () => 2.5) },
  'mem-bound': { cpu: series(30, (t) => 0.3 + 0.1 * wave(t)), mem: series(30, (t) => 24 + 2 * wave(t)) },
  // A nightly batch: 6 cores and 10 GiB from 02:00 to 03:00 UTC, 0.1 cores / 3 GiB otherwise.
  'batch-bursty': { cpu: series(30, (t) => (hourOfDay(t) === 2 ? 6 : 0.1)), mem: series(30, (t) => (hourOfDay(t) === 2 ? 10 : 3)) },
  'two-days': { cpu: series(2, (t) => 0.1 + 0.05 * wave(t)), mem: series(2, () => 2) },
  // Every third hour missing; memory reported as 0 every fifth hour (an agent that sent nothing).
  gappy: {
    cpu: series(30, (t) => (hourOfDay(t) % 3 === 0 ? undefined : 1 + 0.5 * wave(t))),
    mem: series(30, (t) => (hourOfDay(t) % 5 === 0 ? 0 : 6)),
  },
  'gpu-train': { cpu: series(30, (t) => 2 + 0.5 * wave(t)), mem: series(30, () => 12) },
  'x86-only': { cpu: series(30, (t) => 0.8 + 0.3 * wave(t)), mem: series(30, () => 5) },
  pinned: { cpu: series(30, (t) => 0.2 + 0.1 * wave(t)), mem: series(30, () => 2) },
};
/** The 3-instance service: two instances carry the load, the third is idle. */
const FLEET = [
  { cpu: series(30, (t) => 1.5 + 0.3 * wave(t)), mem: series(30, () => 9) },
  { cpu: series(30, (t) => 1.5 + 0.3 * wave(t)), mem: series(30, () => 9) },
  { cpu: series(30, () => 0.02), mem: series(30, () => 0.5) },
];

const probe: UsageSource['fetch'] = (workloads: readonly Workload[]) => {
  const out = new Map();
  for (const w of workloads) {
    const instance = /#instance-(\d)$/.exec(w.urn);
    const load = instance ? FLEET[Number(instance[1])] : LOAD[w.name];
    if (!load) throw new Error(`no probe load for ${w.urn}`);
    out.set(w.urn, { urn: w.urn, cpuCores: load.cpu, memoryGiB: load.mem, source: 'probe' });
  }
  return Promise.resolve({ series: out, missing: [] });
};
// As the monitoring sources do: each instance of a multi-instance workload read, then combined.
const usage: UsageSource = { name: 'probe', fetch: fetchPerInstance(probe, 'probe') };

const rows = parse<Record<string, string>>(
  readFileSync(path.join(ROOT, 'data/pricing/aws_ec2_ondemand_linux_prices_karpenter_2026-07.csv'), 'utf8'),
  {
    columns: true,
    skip_empty_lines: true,
  },
);
const specs = parse<Record<string, string>>(
  readFileSync(path.join(ROOT, 'data/pricing/aws_ec2_instance_types_karpenter_v1.14_2026-08.csv'), 'utf8'),
  {
    columns: true,
    skip_empty_lines: true,
  },
);
const monthlyOf = (type: string) =>
  Number(rows.find((r) => r.region === 'us-east-1' && r.instance_type === type)!.ondemand_usd_per_hour_linux_shared) * HOURS_PER_MONTH;
const specOf = (type: string) => specs.find((r) => r.instance_type === type)!;

async function run(config: Record<string, unknown>) {
  const inventory = readInventory(path.join(__dirname, 'fixtures/sizing-probes.stack.json'));
  const base = inventory.workloads.find((w) => w.name === 'x86-only')!;
  // A service of 3 VMs (as a component with count 3 reads): per-instance ids, one workload.
  inventory.workloads.push({
    ...base,
    urn: base.urn.replace('x86-only', 'fleet'),
    name: 'fleet',
    size: 'm5.xlarge',
    count: 3,
    metricIds: { name: 'fleet', instances: [{ hostname: 'fleet-a' }, { hostname: 'fleet-b' }, { hostname: 'fleet-c' }] },
  });
  const { plan } = await recommend({ inventory, usage: [usage], config: stackfitConfigSchema.parse(config), catalog, now: NOW });
  return (name: string): PlanItem => plan.items.find((i) => i.workload.name === name)!;
}

/** Every plan item's prices are the CSV rows', per instance × count. */
function expectListPrices(i: PlanItem): void {
  const count = i.workload.count;
  expect(i.monthlyBefore, i.workload.name).toBeCloseTo(monthlyOf(i.workload.size) * count, 6);
  expect(i.monthlyAfter, i.workload.name).toBeCloseTo(monthlyOf(i.chosen!.size) * (i.countAfter ?? count), 6);
}

describe('sizing probes: a size the workload can run on, at the price it pays', async () => {
  const item = await run({ workloads: { pinned: { pin: true } } });

  it('a VM idle for 30 days goes to a small size that holds its memory, same cloud and region, in maxStepDown steps', () => {
    const i = item('idle-30d');
    expectListPrices(i);
    expect([i.chosen!.cloud, i.chosen!.region, i.chosen!.arch]).toEqual(['aws', 'us-east-1', 'amd64']);
    expect(i.chosen!.memoryGiB).toBeGreaterThanOrEqual(1.5 * 1.2);
    // m5.2xlarge is 8 vCPU / 32 GiB: maxStepDown 4 allows 2 vCPU / 8 GiB in this PR, and says so.
    expect([i.chosen!.vcpu, i.chosen!.memoryGiB]).toEqual([2, 8]);
    expect(i.reason).toMatch(/step 1 of 2: c7a\.medium would fit, but maxStepDown 4/);
  });

  it('a VM at 100 % CPU all month grows one step, flagged CPU-bound, with the reason it costs more', () => {
    const i = item('hot-100');
    expectListPrices(i);
    expect(i.demand!.cpuBound).toBe(true);
    expect(i.chosen!.vcpu).toBeGreaterThan(2);
    expect(i.chosen!.vcpu).toBeLessThanOrEqual(4); // at most 2 × capacity: the demand above 2 cores is unseen
    expect(i.reason).toContain('costs more because c5.large would saturate');
  });

  it('a memory-bound VM with low CPU goes to a memory-optimised type with ≥ its peak + 20 %, never a compute type', () => {
    const i = item('mem-bound');
    expectListPrices(i);
    expect(i.chosen!.memoryGiB).toBeGreaterThanOrEqual(26 * 1.2 - 1e-9);
    expect(i.chosen!.memoryGiB / i.chosen!.vcpu).toBeGreaterThanOrEqual(8); // r/x families: ≥ 8 GiB per vCPU
    expect(specOf(i.chosen!.size)['karpenter.k8s.aws/instance-category']).toMatch(/^[rxz]$/);
  });

  it('a batch job busy 1 hour a day is sized for its hour, not its mean', () => {
    const i = item('batch-bursty');
    expectListPrices(i);
    // 1 h of 24 = 4.2 % of samples > the 0.5 % P99.5 leaves out: the level is the batch hour.
    expect(i.demand!.cpu.required).toBeCloseTo(6 * 1.2, 6);
    expect(i.chosen!.vcpu).toBeGreaterThanOrEqual(8);
    expect(i.chosen!.memoryGiB).toBeGreaterThanOrEqual(10 * 1.2);
  });

  it('two days of data: low confidence and no cut (at most the same shape, cheaper)', () => {
    const i = item('two-days');
    expect(i.demand!.confidence).toBe('low');
    expect(i.demand!.allowDownsize).toBe(false);
    expect(i.demand!.notes).toContain('history under 7 days: no downsizing');
    expect(i.chosen!.vcpu).toBeGreaterThanOrEqual(8);
    expect(i.chosen!.memoryGiB).toBeGreaterThanOrEqual(32);
    expectListPrices(i);
  });

  it('usage with gaps: missing hours are not zeros, memory zeros are gaps (sized on the 6 GiB it uses)', () => {
    const i = item('gappy');
    expectListPrices(i);
    expect(i.demand!.memory!.required).toBeCloseTo(6 * 1.2, 6);
    expect(i.demand!.notes.some((n) => n.startsWith('memory: ') && n.includes('read as gaps'))).toBe(true);
    expect(i.chosen!.vcpu).toBeGreaterThanOrEqual(1.5 * 1.2);
  });

  it('a GPU instance stays on the same GPU (g5: NVIDIA A10G)', () => {
    const i = item('gpu-train');
    expectListPrices(i);
    expect(i.chosen!.family).toBe('g5');
    expect(specOf(i.chosen!.size)['karpenter.k8s.aws/instance-gpu-name']).toBe(specOf('g5.2xlarge')['karpenter.k8s.aws/instance-gpu-name']);
  });

  it('an x86 VM is never offered Graviton by default', () => {
    const i = item('x86-only');
    expectListPrices(i);
    expect(i.chosen!.arch).toBe('amd64');
    expect(specOf(i.chosen!.size)['kubernetes.io/arch']).toBe('amd64');
  });

  it('a pinned VM keeps its size', () => {
    expect(item('pinned').action).toBe('keep');
    expect(item('pinned').chosen!.size).toBe('c5.2xlarge');
  });

  it('3 instances, one idle: each instance gets the memory of the largest (9 GiB + 20 %), not the mean (6.2 GiB)', () => {
    const i = item('fleet');
    expectListPrices(i);
    expect(i.demand!.memory!.required).toBeCloseTo(9 * 1.2, 6);
    expect(i.chosen!.memoryGiB).toBeGreaterThanOrEqual(9 * 1.2);
  });
});

describe('N−1 survivability of the 3-instance service (count a decision)', async () => {
  const item = await run({ workloads: { fleet: { scaleOut: true } } });

  it('with one instance lost, the rest carry the fleet’s observed CPU peak and each holds the largest memory', () => {
    const i = item('fleet');
    const n = i.countAfter ?? i.workload.count;
    expect(n).toBeGreaterThanOrEqual(2);
    // Observed fleet total per timestamp: the sum of the 3 instances' CPU.
    let peak = 0;
    for (let k = 0; k < FLEET[0]!.cpu.t.length; k++)
      peak = Math.max(
        peak,
        FLEET.reduce((s, f) => s + f.cpu.v[k]!, 0),
      );
    expect(peak).toBeCloseTo(3.62, 2);
    expect((n - 1) * i.chosen!.vcpu).toBeGreaterThanOrEqual(peak);
    expect(i.chosen!.memoryGiB).toBeGreaterThanOrEqual(9);
    expectListPrices(i);
  });
});
