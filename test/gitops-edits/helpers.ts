import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadCatalog } from '../../src/catalog/index';
import type { Cloud, Demand, DimensionEvidence, Offering, PlanItem, Risk, Workload, ConfigRef } from '../../src/model';

export const SHARED_DATA = path.resolve(__dirname, '../../data');
export const STACK_CONFIG_DIR = path.join(SHARED_DATA, 'pulumi/stack-config');
export const FIXTURES = path.join(__dirname, 'fixtures');

/** Every real `Pulumi.<stack>.yaml` in the shared data (not the project files `Pulumi.yaml`). */
export function realStackConfigFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/Pulumi\.[^/]+\.yaml$/.test(name) && !/(^|\.)Pulumi\.yaml$/.test(name)) out.push(full);
    }
  };
  walk(STACK_CONFIG_DIR);
  return out.sort();
}

/** The example project's own stack files (`stacks/Pulumi.<stack>.yaml`). */
export function repoStackConfigFiles(): string[] {
  const dir = path.resolve(__dirname, '../../stacks');
  return readdirSync(dir)
    .filter((name) => /^Pulumi\.[^.]+\.yaml$/.test(name))
    .map((name) => path.join(dir, name))
    .sort();
}

export function readText(file: string): string {
  return readFileSync(file, 'utf8');
}

/** Line diff: the (1-based) numbers and texts of lines that differ; line endings kept on each line. */
export function changedLines(before: string, after: string): { line: number; before: string; after: string }[] {
  const split = (s: string): string[] => s.split(/(?<=\n)/);
  const a = split(before);
  const b = split(after);
  const out: { line: number; before: string; after: string }[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) out.push({ line: i + 1, before: a[i] ?? '', after: b[i] ?? '' });
  }
  return out;
}

/** Real per-instance usage evidence from one Bitbrains VM (cores and GiB), for PR body rendering. */
const evidenceCache = new Map<string, { cpu: DimensionEvidence; memory: DimensionEvidence; hours: number }>();
export function bitbrainsEvidence(vm: string): { cpu: DimensionEvidence; memory: DimensionEvidence; hours: number } {
  const cached = evidenceCache.get(vm);
  if (cached) return cached;
  const text = readText(path.join(SHARED_DATA, 'traces/bitbrains-rnd-2013-07', `${vm}.csv`));
  const rows = text
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(';').map((c) => Number(c.trim())));
  const cpu = rows.map((r) => ((r[1] ?? 0) * (r[4] ?? 0)) / 100);
  const mem = rows.map((r) => (r[6] ?? 0) / 1024 / 1024);
  const q = (values: number[], p: number): number => {
    const s = [...values].sort((x, y) => x - y);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
  };
  const dim = (values: number[]): DimensionEvidence => {
    const peak = q(values, 99.5);
    return {
      p50: q(values, 50),
      p95: q(values, 95),
      max: Math.max(...values),
      forecastPeak: peak,
      percentile: 99.5,
      headroom: 0.2,
      required: peak * 1.2,
    };
  };
  const t = rows.map((r) => r[0] ?? 0);
  const evidence = { cpu: dim(cpu), memory: dim(mem), hours: ((t[t.length - 1] ?? 0) - (t[0] ?? 0)) / 3600 };
  evidenceCache.set(vm, evidence);
  return evidence;
}

export function offering(cloud: Cloud, region: string, size: string): Offering {
  const o = loadCatalog().lookup(cloud, region, size);
  if (!o) throw new Error(`test setup: ${cloud} ${region} ${size} is not in the catalog`);
  return o;
}

export interface ItemSpec {
  name: string;
  stack?: string;
  cloud: Cloud;
  region: string;
  size: string;
  to: { cloud?: Cloud; region?: string; size: string };
  count?: number;
  configRef?: ConfigRef;
  risk?: Risk;
  vm?: string;
}

/** A plan item priced from the real catalog. */
export function planItem(spec: ItemSpec): PlanItem {
  const count = spec.count ?? 1;
  const current = offering(spec.cloud, spec.region, spec.size);
  const chosen = offering(spec.to.cloud ?? spec.cloud, spec.to.region ?? spec.region, spec.to.size);
  const type = { aws: 'aws:ec2/instance:Instance', azure: 'azure-native:compute:VirtualMachine', gcp: 'gcp:compute/instance:Instance' }[
    spec.cloud
  ];
  const urn = `urn:pulumi:${spec.stack ?? 'prod'}::stackfit-demo::${type}::${spec.name}`;
  const workload: Workload = {
    urn,
    name: spec.name,
    type,
    kind: 'vm',
    cloud: spec.cloud,
    region: spec.region,
    size: spec.size,
    count,
    metricIds: { name: spec.name },
    ...(spec.configRef && { configRef: spec.configRef }),
    ...(spec.stack && { stack: spec.stack }),
  };
  const ev = bitbrainsEvidence(spec.vm ?? '28');
  const demand: Demand = {
    urn,
    status: 'ok',
    historyHours: ev.hours,
    horizonDays: 30,
    cpu: ev.cpu,
    memory: ev.memory,
    confidence: 'high',
    allowDownsize: true,
    notes: [],
  };
  const moved = chosen.cloud !== current.cloud || chosen.region !== current.region;
  const monthlyBefore = current.monthlyUsd * count;
  const monthlyAfter = chosen.monthlyUsd * count;
  return {
    urn,
    workload,
    current,
    chosen,
    demand,
    action: moved ? 'move' : 'resize',
    monthlyBefore,
    monthlyAfter,
    monthlyDelta: monthlyAfter - monthlyBefore,
    migrationCost: 0,
    risk: spec.risk ?? 0,
    reason: 'test plan item',
  };
}
