import { StackfitError, type Demand, type DimensionEvidence, type MigrationCost, type Offering, type Risk, type Workload } from '../model';
import type { StackfitConfig } from '../config/schema';
import { ruleFieldPath, type ResolvedRule } from '../config/rules';
import type { EgressPrices } from '../catalog/egress';
import { offeringKey, placeOf, type PlacementOption } from './options';
import { riskMemo } from './risk';

/**
 * The choices of one workload: which counts it may run at, what each instance must carry at each
 * count (N−k survivability), the step and size limits, and the option (offering × count) costs:
 * monthly, one-off migration, risk. Pure.
 */

export const DEFAULT_MAX_STEP_DOWN = 4;

export interface Sizing {
  /** Counts to consider, ascending (today's only unless the count is a decision). */
  counts: number[];
  countDecided: boolean;
  survive: number;
  maxStepDown: number;
  minVcpu: number;
  minMemoryGiB: number;
  riskAversion: number;
}

/**
 * Count rules no plan can meet (`minCount` above `maxCount`; `survive: k` with at most k
 * instances allowed): a StackfitError naming the stackfit.yaml field, rather than a silent choice.
 */
export function checkCountRules(config: StackfitConfig, workload: Workload, rule: ResolvedRule): void {
  const { minCount, maxCount, survive } = rule;
  if (minCount !== undefined && maxCount !== undefined && minCount > maxCount)
    throw new StackfitError(
      `minCount ${minCount} exceeds maxCount ${maxCount} (${ruleFieldPath(config, workload, 'maxCount')}) for ${workload.name}: no count meets both`,
      `stackfit.yaml: ${ruleFieldPath(config, workload, 'minCount')}`,
    );
  if (survive !== undefined && survive > 0 && maxCount !== undefined && maxCount <= survive)
    throw new StackfitError(
      `survive: ${survive} needs at least ${survive + 1} instances of ${workload.name}, but maxCount (${ruleFieldPath(config, workload, 'maxCount')}) is ${maxCount}`,
      `stackfit.yaml: ${ruleFieldPath(config, workload, 'survive')}`,
    );
}

/** The sizing policy of a workload under its rule (defaults documented in docs/optimizer.md). */
export function sizingOf(workload: Workload, rule: ResolvedRule, allowDownsize: boolean): Sizing {
  const today = workload.count;
  const countDecided = rule.scaleOut ?? workload.countRef !== undefined;
  const survive = rule.survive ?? (countDecided && today >= 2 ? 1 : 0);
  let counts = [today];
  if (countDecided) {
    // A young workload (no downsizing) never loses instances either.
    const low = Math.max(rule.minCount ?? 1, survive + 1, allowDownsize ? 1 : today);
    const high = Math.max(low, rule.maxCount ?? Math.max(4, 2 * today));
    counts = [];
    for (let n = low; n <= high; n++) counts.push(n);
  } else if (rule.minCount !== undefined && today < rule.minCount) {
    counts = [rule.minCount];
  }
  return {
    counts,
    countDecided,
    survive,
    maxStepDown: rule.maxStepDown ?? DEFAULT_MAX_STEP_DOWN,
    minVcpu: rule.minVcpu ?? 0,
    minMemoryGiB: rule.minMemoryGiB ?? 0,
    riskAversion: rule.riskAversion ?? 0,
  };
}

/** What each of `n` instances must offer so that the load of today's `count` instances fits with `survive` lost. */
export interface CountLevel {
  n: number;
  needCpu: number;
  needMemory: number;
  /** The demand per instance with all `n` running (for risk). */
  perInstance: Demand;
  /** `riskOf(offering, perInstance)`, remembered per capacity (see riskMemo). */
  risk: (offering: Pick<Offering, 'vcpu' | 'memoryGiB'>) => Risk;
}

function scaleEvidence(e: DimensionEvidence, factor: number): DimensionEvidence {
  const out: DimensionEvidence = {
    ...e,
    p50: e.p50 * factor,
    p95: e.p95 * factor,
    max: e.max * factor,
    forecastPeak: e.forecastPeak * factor,
    required: e.required * factor,
  };
  // Risk reads exceedance from the observed quantiles: they scale with the per-instance load too.
  if (e.quantiles) out.quantiles = Object.fromEntries(Object.entries(e.quantiles).map(([q, v]) => [q, v * factor]));
  return out;
}

/** The demand each instance sees when today's total load runs on `n` instances of which `lost` are down. */
export function demandPerInstance(demand: Demand, today: number, n: number, lost: number): Demand {
  const factor = today / (n - lost);
  if (factor === 1) return demand;
  // Memory is not spread thinner by more instances the way CPU load is (each process keeps its
  // heap, caches and runtime): an instance never gets less than today's per-instance peak need,
  // only more when fewer instances carry the load.
  const memoryFactor = Math.max(1, factor);
  return {
    ...demand,
    cpu: scaleEvidence(demand.cpu, factor),
    ...(demand.memory && { memory: memoryFactor === 1 ? demand.memory : scaleEvidence(demand.memory, memoryFactor) }),
  };
}

export function countLevels(demand: Demand, today: number, sizing: Sizing): CountLevel[] {
  return sizing.counts
    .filter((n) => n > sizing.survive)
    .map((n) => {
      const worst = demandPerInstance(demand, today, n, sizing.survive);
      const perInstance = demandPerInstance(demand, today, n, 0);
      return { n, needCpu: worst.cpu.required, needMemory: worst.memory?.required ?? 0, perInstance, risk: riskMemo(perInstance) };
    });
}

/** Egress USD/GiB of a source place: the team's setting first, then the vendored GCP list price. */
function egressPrice(
  cloud: Offering['cloud'],
  region: string,
  config: StackfitConfig,
  prices: EgressPrices | undefined,
): { price: number; source: string } | undefined {
  const set = config.migration.egressUsdPerGiB?.[cloud];
  if (set !== undefined) return { price: set, source: `stackfit.yaml: migration.egressUsdPerGiB.${cloud}` };
  const listed = cloud === 'gcp' ? prices?.gcp.get(region) : undefined;
  return listed !== undefined ? { price: listed, source: prices!.source } : undefined;
}

/**
 * One-off cost of running `n` instances in another place: the per-instance cost of each new
 * instance (new disks and addresses), plus today's disks copied out at the source's egress price.
 */
export function migrationCost(
  workload: Workload,
  current: Offering,
  target: { cloud: Offering['cloud']; region: string },
  n: number,
  config: StackfitConfig,
  prices: EgressPrices | undefined,
): MigrationCost | undefined {
  const crossCloud = target.cloud !== current.cloud;
  if (!crossCloud && target.region === current.region) return undefined;
  const perInstance = crossCloud ? config.migration.crossCloudCostPerInstance : config.migration.crossRegionCostPerInstance;
  const out: MigrationCost = { instancesUsd: perInstance * n, unknown: [] };
  if (workload.diskGiB === undefined) {
    out.unknown.push('disk sizes (not in the stack): data copied unknown');
    return out;
  }
  out.dataGiB = workload.diskGiB * workload.count;
  const price = egressPrice(current.cloud, current.region, config, prices);
  if (price) {
    out.dataUsd = out.dataGiB * price.price;
    out.egressPriceSource = price.source;
  } else {
    out.unknown.push(`${current.cloud} egress price (set migration.egressUsdPerGiB.${current.cloud})`);
  }
  return out;
}

export const oneOff = (m: MigrationCost | undefined): number => (m ? m.instancesUsd + (m.dataUsd ?? 0) : 0);

export interface OptionContext {
  workload: Workload;
  current: Offering;
  config: StackfitConfig;
  sizing: Sizing;
  egress?: EgressPrices;
}

export function makeOption(offering: Offering, level: Pick<CountLevel, 'n' | 'risk'>, ctx: OptionContext): PlacementOption {
  const { workload, current, config } = ctx;
  const n = level.n;
  const detail = migrationCost(workload, current, offering, n, config, ctx.egress);
  const migration = oneOff(detail);
  const monthly = offering.monthlyUsd * n;
  const risk: Risk = level.risk(offering);
  return {
    offering,
    count: n,
    risk,
    ...(detail && { migrationDetail: detail }),
    cloud: offering.cloud,
    place: placeOf(offering.cloud, offering.region),
    monthly,
    migration,
    objective: monthly + migration / config.migration.amortizeMonths + ctx.sizing.riskAversion * risk * n,
    isCurrent: n === workload.count && offeringKey(offering) === offeringKey(current),
  };
}

/** Total capacity (count × size) of an option relative to today's, per dimension. */
export function stepRatio(offering: Pick<Offering, 'vcpu' | 'memoryGiB'>, n: number, current: Offering, today: number): number {
  return Math.max((today * current.vcpu) / (n * offering.vcpu), (today * current.memoryGiB) / (n * offering.memoryGiB));
}

export interface Kept {
  /** Cheapest offering per (place, count, risk level), and the cheapest dearer than today per (place, count). */
  offerings: { offering: Offering; level: CountLevel }[];
  /** The cheapest option `maxStepDown` removed (for "step 1 of N"). */
  beyondStep?: { offering: Offering; level: CountLevel };
}

/**
 * Only the cheapest offering per (place, count, risk level) can be optimal: every constraint and
 * the objective depend on an option only through its place, count, risk, monthly and migration
 * cost (a function of place and count). Keeps also the cheapest one dearer than today per
 * (place, count): what remains of a place when the thresholds drop its cheapest. This loop sees
 * every candidate of every workload (hundreds each): no allocation per offering.
 */
export function keptOfferings(
  ctx: OptionContext,
  demand: Demand,
  levels: readonly CountLevel[],
  offered: readonly Offering[],
  keepable: boolean,
): Kept {
  const { current, sizing, workload } = ctx;
  const today = workload.count;
  const currentMonthly = current.monthlyUsd * today;
  const noDownsize = !demand.allowDownsize;
  const floorStep = 1 / sizing.maxStepDown;
  const isCurrent = (o: Offering): boolean => o.size === current.size && o.region === current.region && o.cloud === current.cloud;
  const better = (a: Offering, b: Offering | undefined): boolean =>
    !b || a.monthlyUsd < b.monthlyUsd || (a.monthlyUsd === b.monthlyUsd && (isCurrent(a) || (!isCurrent(b) && a.size < b.size)));
  // place → slots: per level, 5 risk levels + 1 "dearer than today"
  const width = levels.length * 6;
  // cloud → region → slots (no string built per offering: this loop sees millions of them)
  const perPlace = new Map<string, Map<string, (Offering | undefined)[]>>();
  const out: Kept = { offerings: [] };
  let beyondMonthly = Number.POSITIVE_INFINITY;
  const consider = (o: Offering): void => {
    const here = isCurrent(o);
    // Defensive re-check of what candidatesFor guarantees: no downsize when not allowed.
    if (noDownsize && (o.vcpu < current.vcpu || o.memoryGiB < current.memoryGiB) && !here) return;
    let slots: (Offering | undefined)[] | undefined;
    for (let l = 0; l < levels.length; l++) {
      const level = levels[l]!;
      if (o.vcpu < level.needCpu * (1 - 1e-9) || o.memoryGiB < level.needMemory * (1 - 1e-9)) continue;
      const unchanged = here && level.n === today;
      if (!unchanged) {
        if (o.vcpu < sizing.minVcpu || o.memoryGiB < sizing.minMemoryGiB) continue;
        // maxStepDown: total capacity may shrink at most that many times in one change.
        if (
          level.n * o.vcpu < today * current.vcpu * floorStep * (1 - 1e-9) ||
          level.n * o.memoryGiB < today * current.memoryGiB * floorStep * (1 - 1e-9)
        ) {
          if (o.monthlyUsd * level.n < beyondMonthly) {
            beyondMonthly = o.monthlyUsd * level.n;
            out.beyondStep = { offering: o, level };
          }
          continue;
        }
      }
      if (!slots) {
        let regions = perPlace.get(o.cloud);
        if (!regions) perPlace.set(o.cloud, (regions = new Map<string, (Offering | undefined)[]>()));
        slots = regions.get(o.region);
        if (!slots) regions.set(o.region, (slots = new Array<Offering | undefined>(width)));
      }
      const base = l * 6;
      const risk = level.risk(o);
      if (better(o, slots[base + risk])) slots[base + risk] = o;
      if (o.monthlyUsd * level.n > currentMonthly && better(o, slots[base + 5])) slots[base + 5] = o;
    }
  };
  if (keepable) consider(current);
  for (let i = 0; i < offered.length; i++) consider(offered[i]!);
  // Keeping today's size and count is always an option when it still fits.
  const todayLevel = levels.find((l) => l.n === today);
  if (keepable && todayLevel) out.offerings.push({ offering: current, level: todayLevel });
  for (const regions of perPlace.values()) {
    for (const slots of regions.values()) {
      slots.forEach((o, k) => {
        if (o) out.offerings.push({ offering: o, level: levels[Math.floor(k / 6)]! });
      });
    }
  }
  return out;
}
