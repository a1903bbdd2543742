/**
 * Pool usage from a file (`pools.usageFile` in stackfit.yaml, and the demo's
 * `stacks/usage/<stack>-pools.json`): per pool, the same series the Prometheus pool queries
 * return (docs/node-pools.md), for teams that export them from another system, or record them.
 * JSON, validated whole; keyed by the pool's logical name or URN.
 */
import { readTextBounded } from '../../bounded-read';
import { duplicateKeyAt, tooDeepAt } from '../../stack/inventory';
import { z } from 'zod';
import { StackfitError, type Series, type UsageRange, type Workload } from '../../model';
import type { PoolDemand, PoolUsage, PoolUsageSource } from '../pool-contract';

const amount = z.number().finite().nonnegative();
const resources = z.object({ cpu: amount, memoryGiB: amount }).strict();

const poolEntrySchema = z
  .object({
    /** `requests`: Kubernetes pod requests (DaemonSets excluded); `utilisation`: used cores / GiB of a VM group. */
    basis: z.enum(['requests', 'utilisation']),
    /** Where the numbers come from (free text, shown nowhere but kept with the data). */
    source: z.string().optional(),
    /** Sample times, Unix seconds, increasing. */
    timestamps: z.array(z.number().int().positive()).min(1),
    /** The pool's total requests (or use) at each sample: cores and GiB. */
    cpu: z.array(amount),
    memoryGiB: z.array(amount).optional(),
    /** Nodes at each sample. */
    nodes: z.array(z.number().int().nonnegative()).optional(),
    /** Pods (DaemonSets excluded) at each sample: checked against the max pods per node. */
    pods: z.array(z.number().int().nonnegative()).optional(),
    /** What every node carries whatever its type: DaemonSet requests (and pods) per node. */
    perNodeOverhead: resources.extend({ pods: z.number().int().nonnegative().optional() }).strict().default({ cpu: 0, memoryGiB: 0 }),
    /** The largest single pod's requests: it must fit on one node. */
    largestPod: resources.extend({ name: z.string().optional() }).strict().optional(),
    /** Allocatable per node of the current type, as the cluster reports it. */
    allocatable: resources.optional(),
  })
  .strict()
  .superRefine((entry, ctx) => {
    const n = entry.timestamps.length;
    for (const key of ['cpu', 'memoryGiB', 'nodes', 'pods'] as const) {
      const values = entry[key];
      if (values && values.length !== n)
        ctx.addIssue({ code: 'custom', path: [key], message: `${values.length} values for ${n} timestamps` });
    }
    for (let i = 1; i < n; i++) {
      if (entry.timestamps[i]! <= entry.timestamps[i - 1]!) {
        ctx.addIssue({ code: 'custom', path: ['timestamps', i], message: 'timestamps must increase' });
        break;
      }
    }
  });

export const poolUsageFileSchema = z.object({ pools: z.record(z.string(), poolEntrySchema) }).strict();
export type PoolUsageFile = z.input<typeof poolUsageFileSchema>;
type PoolEntry = z.output<typeof poolEntrySchema>;

/** Largest pool usage file read (a year of 5-minute samples for 100 pools is about 100 MiB). */
export const MAX_POOL_USAGE_BYTES = 256 * 1024 * 1024;
/** The format nests 4 levels (pools → pool → series → values); the margin is for nothing real. */
const MAX_POOL_USAGE_DEPTH = 32;

function placeOf(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

/** Reads and validates a pool usage file: one error naming the file and the field. */
export function readPoolUsageFile(path: string): z.output<typeof poolUsageFileSchema> {
  // Bounded like every input (issue 13): `/dev/zero` as the file crashed Node (std::bad_alloc).
  const text = readTextBounded(path, MAX_POOL_USAGE_BYTES, 'pool usage file');
  const deep = tooDeepAt(text, MAX_POOL_USAGE_DEPTH);
  if (deep !== -1)
    throw new StackfitError(`pool usage file nested more than ${MAX_POOL_USAGE_DEPTH} levels deep at ${placeOf(text, deep)}`, path);
  // JSON.parse keeps the last of two equal keys: a second, empty entry for a pool would replace its data silently.
  const dup = duplicateKeyAt(text);
  if (dup)
    throw new StackfitError(`invalid JSON at ${placeOf(text, dup.offset)}: duplicate key ${JSON.stringify(dup.key)} in one object`, path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StackfitError(`pool usage file is not JSON: ${(err as Error).message}`, path);
  }
  const parsed = poolUsageFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StackfitError(`${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`, path);
  }
  return parsed.data;
}

function inRange(entry: PoolEntry, range: UsageRange): PoolDemand {
  const start = range.start.getTime();
  const end = range.end.getTime();
  const keep: number[] = [];
  entry.timestamps.forEach((s, i) => {
    const ms = s * 1000;
    if (ms > start && ms <= end) keep.push(i);
  });
  const series = (values: readonly number[]): Series => ({
    t: keep.map((i) => entry.timestamps[i]! * 1000),
    v: keep.map((i) => values[i]!),
  });
  return {
    basis: entry.basis,
    cpu: series(entry.cpu),
    ...(entry.memoryGiB && { memoryGiB: series(entry.memoryGiB) }),
    ...(entry.nodes && { nodes: series(entry.nodes) }),
    ...(entry.pods && { pods: series(entry.pods) }),
    perNodeOverhead: entry.perNodeOverhead,
    ...(entry.largestPod && { largestPod: entry.largestPod }),
    ...(entry.allocatable && { allocatable: entry.allocatable }),
  };
}

/** A pool usage source over a file (read once, on first use). */
export function filePoolSource(path: string): PoolUsageSource {
  let data: z.output<typeof poolUsageFileSchema> | undefined;
  return {
    name: path,
    async fetchPools(pools: readonly Workload[], range: UsageRange): Promise<PoolUsage> {
      data ??= readPoolUsageFile(path);
      const demands = new Map<string, PoolDemand>();
      const missing: { urn: string; reason: string }[] = [];
      for (const w of pools) {
        const entry = data.pools[w.urn] ?? data.pools[w.name];
        if (!entry) {
          missing.push({ urn: w.urn, reason: `${path}: no entry for pool ${w.name}` });
          continue;
        }
        const demand = inRange(entry, range);
        if (demand.cpu.t.length === 0) missing.push({ urn: w.urn, reason: `${path}: pool ${w.name} has no samples in the window` });
        else demands.set(w.urn, demand);
      }
      return { demands, missing };
    },
  };
}
