import type { Arch, Demand, Offering, Series, Workload } from '../model';
import type { ResolvedRule } from '../config/rules';
import type { Catalog } from './types';
import { isBurstable } from '../clouds/burstable';
import { isAwsLocalZone } from '../clouds/aws/catalog';
import { burstFit, burstFitFromSummary, type BurstFit } from './burstable';
import { capabilityMismatch } from './capabilities';
import { currentPrice, poolInView, priceViewOf, type PriceView } from './views';

/**
 * Step 4 of the pipeline: the feasible offerings for one workload, dominated ones pruned.
 * Pure: everything comes from the arguments.
 */
export interface CandidatesInput {
  workload: Workload;
  demand: Demand;
  rule: ResolvedRule;
  catalog: Catalog;
  /** The workload's current offering; looked up in the catalog when not given. */
  current?: Offering;
  /**
   * Keep at most this many per place, cheapest first. The optimiser needs only the cheapest
   * (its constraints depend on cost, cloud and region alone): 1 makes a 100-region search cheap.
   */
  perPlace?: number;
  /**
   * Per-instance lower bounds from the workload's rules (the `maxStepDown` limit, `minVcpu`,
   * `minMemoryGiB`), applied like the demand. With `perPlace: 1` the cheapest size that meets
   * the demand may break such a rule; the cheapest that also meets the floor is then the one the
   * optimiser can use.
   */
  floor?: { vcpu: number; memoryGiB: number };
  /**
   * The observed CPU usage (cores per instance): burstable sizes are checked against it (credit
   * replay, see burstable.ts). Without it, the demand's p95 must stay within the baseline.
   */
  cpuUsage?: Series;
  /** Which prices to compare (default: the workload's OS, spot when the rule says interruptible). */
  view?: PriceView;
}

/**
 * Whether a burstable offering can carry the workload: its baseline and credits against the
 * observed usage (or, without a series, the demand's p95). Non-burstable offerings always can.
 */
export function burstVerdict(o: Offering, demand: Demand, cpuUsage?: Series): BurstFit | undefined {
  if (!isBurstable(o)) return undefined;
  if (!o.burst) {
    return { ok: false, meanCores: Number.NaN, baselineCores: Number.NaN, lowestBalanceCoreHours: Number.NaN, note: `burstable ${o.size}: no published baseline: not offered` };
  }
  return cpuUsage && cpuUsage.v.length > 0 ? burstFit(o.size, o.burst, cpuUsage) : burstFitFromSummary(o.size, o.burst, demand.cpu.p95);
}

/** A distinct token per usage series (or p95 value), so cached frontiers never mix workloads' burst verdicts. */
const seriesTokens = new WeakMap<Series, number>();
let nextSeriesToken = 0;
function burstToken(demand: Demand, cpuUsage?: Series): string {
  if (cpuUsage && cpuUsage.v.length > 0) {
    let token = seriesTokens.get(cpuUsage);
    if (token === undefined) seriesTokens.set(cpuUsage, (token = nextSeriesToken++));
    return `s${token}`;
  }
  return `p${demand.cpu.p95}`;
}

function placeKey(o: Offering): string {
  return `${o.cloud}|${o.region}|${o.engine ?? ''}|${o.multiAz ?? ''}`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Monthly price, then size name, then place: a total order, so results never depend on input order. */
export function compareOfferings(a: Offering, b: Offering): number {
  return (
    a.monthlyUsd - b.monthlyUsd ||
    compareStrings(a.size, b.size) ||
    compareStrings(a.cloud, b.cloud) ||
    compareStrings(a.region, b.region) ||
    compareStrings(a.engine ?? '', b.engine ?? '') ||
    Number(a.multiAz ?? false) - Number(b.multiAz ?? false)
  );
}

/** Per cloud, in src/clouds/burstable.ts (the catalog names no cloud). */
export { isBurstable };

/**
 * Which accelerator a GPU size carries, as far as the catalog can tell: AWS and Azure families
 * each carry one GPU model (g5 A10G, g4dn T4, g4ad Radeon Pro V520; NCasT4_v3, NVv4 Radeon
 * MI25); a GCP series may mix models (a2-highgpu A100 40 GB, a2-ultragpu A100 80 GB), so there
 * it is the machine type without its size suffix. A CUDA workload does not run on another
 * maker's GPU, nor a model on less GPU memory: GPU sizes are compared within one class only.
 */
export function acceleratorClass(o: Pick<Offering, 'cloud' | 'family' | 'size'>): string {
  if (o.cloud === 'gcp') return o.size.slice(0, Math.max(0, o.size.lastIndexOf('-'))).toLowerCase();
  return o.family.toLowerCase();
}

/** Same number of GPUs and, when there are any, the same accelerator class (see acceleratorClass). */
export function sameAccelerators(a: Pick<Offering, 'cloud' | 'family' | 'size' | 'gpus'>, b: Pick<Offering, 'cloud' | 'family' | 'size' | 'gpus'>): boolean {
  return a.gpus === b.gpus && (a.gpus === 0 || (a.cloud === b.cloud && acceleratorClass(a) === acceleratorClass(b)));
}

/** Family rules match by prefix, case-insensitively; for databases `m5` also matches `db.m5`. */
function familyMatches(family: string, prefix: string): boolean {
  const f = family.toLowerCase();
  const p = prefix.toLowerCase();
  return f.startsWith(p) || (f.startsWith('db.') && f.slice(3).startsWith(p));
}

/**
 * Drops every offering that another offering in the same place (cloud, region, and for
 * databases engine and deployment) beats: at least as many vCPUs, at least as much memory, and
 * no dearer. Of exact ties, the first size name survives. Returned sorted by `compareOfferings`.
 */
export function pruneDominated(offerings: readonly Offering[]): Offering[] {
  const byPlace = new Map<string, Offering[]>();
  for (const o of offerings) {
    const key = placeKey(o);
    const list = byPlace.get(key);
    if (list) list.push(o);
    else byPlace.set(key, [o]);
  }
  const kept: Offering[] = [];
  for (const list of byPlace.values()) sweepFrontier(list.sort(compareForSweep), () => true, kept);
  return kept.sort(compareOfferings);
}

/** Cheapest first, and at equal price the bigger first, so a dominator always comes before what it dominates. */
function compareForSweep(a: Offering, b: Offering): number {
  return a.monthlyUsd - b.monthlyUsd || b.vcpu - a.vcpu || b.memoryGiB - a.memoryGiB || compareStrings(a.size, b.size);
}

/**
 * One pass over one place's offerings in `compareForSweep` order: keeps each one that passes
 * `feasible` and that no kept one covers on both vCPU and memory. Appends to `out`.
 */
function sweepFrontier(sorted: readonly Offering[], feasible: (o: Offering) => boolean, out: Offering[]): void {
  const start = out.length;
  for (const o of sorted) {
    if (!feasible(o)) continue;
    let dominated = false;
    for (let i = start; i < out.length && !dominated; i++) dominated = out[i]!.vcpu >= o.vcpu && out[i]!.memoryGiB >= o.memoryGiB;
    if (!dominated) out.push(o);
  }
}

/** Each place's offerings in sweep order, sorted once per catalog list (the lists are shared and immutable). */
const sweepOrder = new WeakMap<readonly Offering[], readonly Offering[]>();
function inSweepOrder(pool: readonly Offering[]): readonly Offering[] {
  let sorted = sweepOrder.get(pool);
  if (!sorted) sweepOrder.set(pool, (sorted = [...pool].sort(compareForSweep)));
  return sorted;
}

/**
 * The feasible offerings for a workload under its rule and demand, dominated ones pruned,
 * cheapest first. The optimiser needs only the cheapest per place (`cheapestPerPlace`); the
 * rest are the ranked alternatives shown in reports.
 *
 * - `rule.pin`: only the current offering.
 * - Place: without `rule.allowMove`, the current cloud and region only (the placement rules
 *   say where a workload may go; a workload that stays is resized where it is). With it, every
 *   region of `rule.clouds`, narrowed by `rule.regions`.
 * - Same kind; databases keep their engine and Multi-AZ deployment (no engine known: none).
 * - Architecture: `rule.arch`, else the current one (amd64 when the current size is unknown).
 * - Families: `rule.families` (allow) and `rule.excludeFamilies`, prefix match.
 * - Previous generation only with `rule.allowPreviousGeneration` (the current offering may stay).
 * - Burstable sizes (AWS T, Azure B, GCP shared-core) only for a workload on one today, or when
 *   `rule.families` names them: the forecast sizes for sustained peaks, which credits do not buy.
 * - GPUs: exactly the current offering's count (0 when unknown).
 * - vCPU ≥ demand.cpu.required, memory ≥ demand.memory.required; without
 *   `demand.allowDownsize`, also ≥ the current vCPU and memory; without a memory metric
 *   (CPU-only sizing), memory ≥ the current memory.
 */
export function candidatesFor(input: CandidatesInput): Offering[] {
  const { workload, demand, rule, catalog } = input;
  const engine = workload.kind === 'database' ? (workload.engine ?? input.current?.engine) : undefined;
  const multiAz = workload.kind === 'database' ? (workload.multiAz ?? input.current?.multiAz ?? false) : undefined;
  // A VM whose OS cannot be priced gets no candidates: never a move at a price it would not pay.
  if (workload.os === 'unknown' && workload.imageLicence === undefined) return [];
  // Dedicated hardware is priced per host or with a tenancy fee the catalog does not hold.
  if (workload.dedicated !== undefined) return [];
  // A Local Zone has its own prices: region prices would be wrong for it and for its candidates.
  if (workload.cloud === 'aws' && workload.zone !== undefined && isAwsLocalZone(workload.zone)) return [];
  const view = input.view ?? priceViewOf(workload, rule);
  let current = input.current;
  if (!current) {
    const priced = currentPrice(catalog, { ...workload, ...(engine !== undefined && { engine }), ...(multiAz !== undefined && { multiAz }) });
    current = 'offering' in priced ? priced.offering : undefined;
  }

  if (rule.pin) return current ? [current] : [];
  // A database is priced per engine: without one there is nothing to compare.
  if (workload.kind === 'database' && engine === undefined) return [];

  const places: { cloud: Offering['cloud']; region: string }[] = [];
  if (!rule.allowMove) {
    const region = current?.region ?? workload.region;
    if (region === undefined) return [];
    places.push({ cloud: workload.cloud, region });
  } else {
    for (const cloud of rule.clouds) {
      for (const region of rule.regions[cloud] ?? catalog.regions(cloud, workload.kind)) places.push({ cloud, region });
    }
  }

  const arches: readonly Arch[] = rule.arch ?? [current?.arch ?? 'amd64'];
  const gpus = current?.gpus ?? 0;
  const minVcpu = Math.max(demand.cpu.required, demand.allowDownsize ? 0 : (current?.vcpu ?? 0), input.floor?.vcpu ?? 0);
  // Without a memory metric nothing says memory can shrink: keep at least today's (never make it worse).
  const keepMemory = !demand.allowDownsize || !demand.memory;
  const minMemory = Math.max(demand.memory?.required ?? 0, keepMemory ? (current?.memoryGiB ?? 0) : 0, input.floor?.memoryGiB ?? 0);
  const burstableAllowed = (current !== undefined && isBurstable(current)) || rule.families !== undefined;
  const burstCache = new Map<string, boolean>();
  const burstOk = (o: Offering): boolean => {
    if (!isBurstable(o)) return true;
    const key = o.burst ? `${o.burst.baselineCores}|${o.burst.creditCapCoreHours}|${o.size}` : o.size;
    let ok = burstCache.get(key);
    if (ok === undefined) burstCache.set(key, (ok = burstVerdict(o, demand, input.cpuUsage)?.ok ?? true));
    return ok;
  };
  const meetsDemand = (o: Offering): boolean => o.vcpu >= minVcpu && o.memoryGiB >= minMemory;
  // Everything but the demand and the previous-generation exemption of the current size.
  const fitsRule = (o: Offering): boolean =>
    arches.includes(o.arch) &&
    o.gpus === gpus &&
    (gpus === 0 || (current !== undefined && sameAccelerators(current, o))) &&
    (!rule.families || rule.families.some((f) => familyMatches(o.family, f))) &&
    (burstableAllowed ? burstOk(o) : !isBurstable(o)) &&
    capabilityMismatch(current, o) === undefined &&
    !rule.excludeFamilies.some((f) => familyMatches(o.family, f));
  const categorical = (o: Offering): boolean => (o.currentGeneration || rule.allowPreviousGeneration) && fitsRule(o);
  const signature = [
    arches.join(','),
    gpus,
    gpus > 0 && current ? acceleratorClass(current) : '',
    rule.allowPreviousGeneration,
    rule.families?.join(',') ?? '*',
    rule.excludeFamilies.join(','),
    burstableAllowed ? burstToken(demand, input.cpuUsage) : false,
    current?.capabilities?.join('+') ?? '?',
    current?.cloud ?? '?',
  ].join('|');
  // The current size stays a candidate even when it is previous generation.
  const exempt = current && !current.currentGeneration && !rule.allowPreviousGeneration && fitsRule(current) && meetsDemand(current) ? current : undefined;

  const kept: Offering[] = [];
  const seen = new Set<string>();
  for (const place of places) {
    // Each pool is one place: one region, and for databases one engine and deployment.
    const pool = poolInView(
      catalog.offerings({ cloud: place.cloud, kind: workload.kind, region: place.region, ...(engine !== undefined && { engine, multiAz }) }),
      view,
    );
    if (pool.length === 0) continue;
    const key = placeKey(pool[0]!);
    if (seen.has(key)) continue;
    seen.add(key);
    const front = frontierOf(pool, signature, categorical);
    const limit = input.perPlace ?? Infinity;
    if (exempt && placeKey(exempt) === key) {
      const here: Offering[] = [];
      sweepFrontier([...front, exempt].sort(compareForSweep), meetsDemand, here);
      kept.push(...here.slice(0, limit));
    } else {
      // The frontier is in sweep order (cheapest first), so the first feasible ones are the cheapest.
      let taken = 0;
      for (const o of front) {
        if (taken >= limit) break;
        if (meetsDemand(o)) {
          kept.push(o);
          taken++;
        }
      }
    }
  }
  return kept.sort(compareOfferings);
}

/**
 * The pruned frontier of a place under the rule's categorical filters, cached per place and
 * filter signature. Demand thresholds are applied afterwards: whatever dominates a size that
 * meets the demand meets it too, so filtering by demand before or after pruning gives the same
 * set. Workloads under the same rules then share one pruning per place.
 */
const frontiers = new WeakMap<readonly Offering[], Map<string, readonly Offering[]>>();
function frontierOf(pool: readonly Offering[], signature: string, categorical: (o: Offering) => boolean): readonly Offering[] {
  let bySignature = frontiers.get(pool);
  if (!bySignature) frontiers.set(pool, (bySignature = new Map<string, readonly Offering[]>()));
  let front = bySignature.get(signature);
  if (!front) {
    const out: Offering[] = [];
    sweepFrontier(inSweepOrder(pool), categorical, out);
    bySignature.set(signature, (front = out));
  }
  return front;
}

/** The cheapest offering of each place (cloud, region, and for databases engine and deployment), cheapest first. */
export function cheapestPerPlace(offerings: readonly Offering[]): Offering[] {
  const best = new Map<string, Offering>();
  for (const o of offerings) {
    const key = placeKey(o);
    const seen = best.get(key);
    if (!seen || compareOfferings(o, seen) < 0) best.set(key, o);
  }
  return [...best.values()].sort(compareOfferings);
}

/**
 * Whether `o` is an upgrade of `from`, not a sideways or backward step: the same CPU maker (an
 * arm64 size when arm64 is allowed) and a generation no older. r6i → r5a (older, AMD) and
 * c6i → c6a (AMD) are not upgrades: they are other families a team may choose, not newer ones.
 */
export function isUpgradeOf(
  o: Pick<Offering, 'cpuVendor' | 'generation' | 'arch' | 'cloud' | 'family'>,
  from: Pick<Offering, 'cpuVendor' | 'generation' | 'arch' | 'cloud' | 'family'>,
  allowArm64 = false,
): boolean {
  const armSwitch = allowArm64 && o.arch === 'arm64' && from.arch !== 'arm64';
  if (!armSwitch && o.cpuVendor !== from.cpuVendor) return false;
  // AWS numbers generations per category (m5, r6, t3): only comparable within one.
  const category = (family: string) => /^(?:db\.)?([a-z]+)/.exec(family)?.[1];
  const comparable = o.cloud !== 'aws' || category(o.family) === category(from.family);
  if (comparable && o.generation !== undefined && from.generation !== undefined && o.generation < from.generation) return false;
  return true;
}

export interface SameSpecOptions {
  /** Also offer burstable sizes to a size that is not burstable (they are always offered to a burstable one). */
  includeBurstable?: boolean;
  /** Also offer arm64 sizes to an amd64 offering (the workload must run on Graviton/Ampere/Axion). */
  includeArm64?: boolean;
  /** At most this many, cheapest first. */
  limit?: number;
}

/**
 * Cheaper current-generation offerings in the same place with at least the same vCPUs and
 * memory, the same GPU count, and the same architecture (or arm64 too, with `includeArm64`),
 * burstable only for a burstable size (or with `includeBurstable`), from the same CPU maker and
 * a generation no older (`isUpgradeOf`), keeping every capability of the size:
 * the like-for-like upgrades the "generations and families" policy suggests. Cheapest first.
 */
export function sameSpecAlternatives(offering: Offering, catalog: Catalog, opts: SameSpecOptions = {}): Offering[] {
  const listed = catalog.offerings({
    cloud: offering.cloud,
    region: offering.region,
    kind: offering.kind,
    ...(offering.engine !== undefined && { engine: offering.engine, multiAz: offering.multiAz ?? false }),
  });
  // Alternatives are priced as the offering is (Windows or image licence, spot): a Windows or
  // RHEL price is never compared with a plain Linux one.
  const pool = poolInView(listed, {
    os: offering.os === 'windows' ? 'windows' : 'linux',
    spot: offering.spot === true,
    ...(offering.imageLicence !== undefined && { licence: offering.imageLicence }),
  });
  const burstableAllowed = opts.includeBurstable === true || isBurstable(offering);
  const result = pool.filter(
    (o) =>
      o.size !== offering.size &&
      (burstableAllowed || !isBurstable(o)) &&
      o.currentGeneration &&
      o.monthlyUsd < offering.monthlyUsd &&
      o.vcpu >= offering.vcpu &&
      o.memoryGiB >= offering.memoryGiB &&
      sameAccelerators(offering, o) &&
      (o.arch === offering.arch || (opts.includeArm64 === true && o.arch === 'arm64')) &&
      isUpgradeOf(o, offering, opts.includeArm64 === true) &&
      capabilityMismatch(offering, o) === undefined,
  );
  result.sort(compareOfferings);
  return opts.limit !== undefined ? result.slice(0, opts.limit) : result;
}
