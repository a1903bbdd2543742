/**
 * Benchmark of step 6: a plan of 500 changes across 20 stacks (25 workloads each, in the example
 * project's `stackfit-demo:workloads` format, a mix of resizes and cross-cloud moves) → config
 * edits (`planToEdits`) → edited files (`applyConfigEdits`). Prices come from the shipped catalog.
 *
 *   npx tsx bench/edits.ts
 */
import { performance } from 'node:perf_hooks';
import { loadCatalog } from '../src/catalog/index';
import { stackfitConfigSchema } from '../src/config/schema';
import { planToEdits } from '../src/gitops/edits';
import { applyConfigEdits } from '../src/gitops/updaters/stack-config';
import type { Cloud, Offering, Plan, PlanItem, Workload } from '../src/model';

const STACKS = 20;
const PER_STACK = 25;
const catalog = loadCatalog();

const places: { cloud: Cloud; region: string; sizes: string[] }[] = [
  {
    cloud: 'aws',
    region: 'us-east-1',
    sizes: ['m5.large', 'm5.xlarge', 'm6i.large', 'c5.large', 'c6i.large', 'r5.large', 't3.medium', 'm7g.large'],
  },
  { cloud: 'azure', region: 'eastus', sizes: ['Standard_D2s_v5', 'Standard_D4s_v5', 'Standard_E2s_v5', 'Standard_F2s_v2'] },
  { cloud: 'gcp', region: 'us-central1', sizes: ['e2-standard-2', 'e2-standard-4', 'n2-standard-2', 'n2-standard-4'] },
];

function priced(cloud: Cloud, region: string, size: string): Offering {
  const o = catalog.lookup(cloud, region, size);
  if (!o) throw new Error(`bench setup: ${cloud} ${region} ${size} is not in the catalog`);
  return o;
}

function stackFile(stack: string, workloads: Workload[]): string {
  const lines = [
    '# Generated for bench/edits.ts in the format of stacks/Pulumi.<stack>.yaml.',
    'encryptionsalt: v1:7ue0/6v2seo=:v1:YUhKoJxDUT1ec/U/:7Nt1iK/T4QM6EHyull1fk9JfhfmAOA==',
    'config:',
    '  aws:region: us-east-1',
    '  stackfit-demo:adminPassword:',
    '    secure: v1:+V43BCWXufREi2V+:4GWjNe3g5XS7GsqamNdMQd4TxgkmzLoVajn4bUbUKy4=',
    '  stackfit-demo:workloads:',
  ];
  for (const w of workloads) {
    lines.push(
      `    ${w.name}:`,
      `      size: ${w.size} # ${stack}`,
      `      cloud: ${w.cloud}`,
      `      region: ${w.region}`,
      `      arch: ${priced(w.cloud, w.region!, w.size).arch}`,
      `      count: ${w.count}`,
      `      group: ${w.group}`,
    );
  }
  return lines.join('\n') + '\n';
}

const files: { stack: string; file: string; text: string; plan: Plan }[] = [];
for (let s = 0; s < STACKS; s++) {
  const stack = `stack${String(s).padStart(2, '0')}`;
  const items: PlanItem[] = [];
  const workloads: Workload[] = [];
  for (let i = 0; i < PER_STACK; i++) {
    const place = places[(s + i) % places.length]!;
    const size = place.sizes[i % place.sizes.length]!;
    const name = `svc${String(i).padStart(2, '0')}`;
    const urn = `urn:pulumi:${stack}::stackfit-demo::stackfit:index:Workload::${name}`;
    const workload: Workload = {
      urn,
      name,
      type: 'stackfit:index:Workload',
      kind: 'vm',
      cloud: place.cloud,
      region: place.region,
      size,
      count: 1 + (i % 3),
      group: i % 2 ? 'frontend' : 'backend',
      metricIds: { name },
      stack,
      configRef: { key: 'stackfit-demo:workloads', path: [name, 'size'] },
    };
    workloads.push(workload);
    // Every fifth change is a move to the next cloud; the others resize in place.
    const move = i % 5 === 0;
    const target = move ? places[(s + i + 1) % places.length]! : place;
    const toSize = target.sizes[(i + 1) % target.sizes.length]!;
    const current = priced(place.cloud, place.region, size);
    const chosen = priced(target.cloud, target.region, toSize);
    items.push({
      urn,
      workload,
      current,
      chosen,
      action: move ? 'move' : 'resize',
      monthlyBefore: current.monthlyUsd * workload.count,
      monthlyAfter: chosen.monthlyUsd * workload.count,
      monthlyDelta: (chosen.monthlyUsd - current.monthlyUsd) * workload.count,
      migrationCost: 0,
      risk: 0,
      reason: 'bench',
    });
  }
  const plan: Plan = {
    stack,
    items,
    totals: { monthlyBefore: 0, monthlyAfter: 0, monthlyDelta: 0, unpriced: 0 },
    skipped: [],
    solver: { status: 'optimal', objective: 0, variables: 0, constraints: 0, millis: 0 },
  };
  files.push({ stack, file: `stacks/Pulumi.${stack}.yaml`, text: stackFile(stack, workloads), plan });
}

const config = stackfitConfigSchema.parse({});
function once(): { edits: number; manual: number; bytes: number } {
  let edits = 0;
  let manual = 0;
  let bytes = 0;
  for (const f of files) {
    const result = planToEdits({
      plan: f.plan,
      stack: f.stack,
      configFile: f.file,
      configText: f.text,
      config,
      projectName: 'stackfit-demo',
    });
    const out = applyConfigEdits(f.text, result.edits, f.file);
    edits += result.edits.length;
    manual += result.manual.length;
    bytes += out.length;
  }
  return { edits, manual, bytes };
}

const first = once(); // warm-up (JIT, module init)
if (first.manual !== 0) throw new Error(`bench: ${first.manual} changes were not mappable`);
const runs = 10;
const times: number[] = [];
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  once();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const changes = STACKS * PER_STACK;
console.log(`plan → edits → files: ${changes} changes (${first.edits} config edits) across ${STACKS} stacks`);
console.log(
  `median ${times[runs >> 1]!.toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms, max ${times[runs - 1]!.toFixed(1)} ms over ${runs} runs`,
);
console.log(`per change: ${((times[runs >> 1]! * 1000) / changes).toFixed(0)} µs`);
