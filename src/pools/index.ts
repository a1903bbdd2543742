import type { Catalog } from '../catalog/types';
import { currentOfferingOf } from '../catalog/current';
import { currentPrice } from '../catalog/views';
import { ruleFor } from '../config/rules';
import type { StackfitConfig } from '../config/schema';
import { StackfitError, type Plan, type PlanItem, type UsageRange, type UsageSource, type Workload } from '../model';
import { prometheusBaseUrl } from '../usage/prometheus';
import { prometheusPoolSource } from '../usage/prometheus/pools';
import type { PoolUsage, PoolUsageSource } from '../usage/pool-contract';
import { filePoolSource } from '../usage/file/pools';
import { routedPoolSource, type PoolReader } from '../usage/pool-route';
import type { ScheduledUsageSource } from '../usage/contract';
import { poolProfileFor, sizePool, type PoolDemand } from './size';

export { sizePool, poolProfileFor, allocatableOf, reservedByKubelet, type PoolDemand } from './size';
export { POOL_PROFILES, poolsConfigSchema, type PoolsConfig } from './schema';

/**
 * Where pool metrics come from: `pools.usageFile`, else `pools.prometheus` or the first
 * `prometheus://` usage source of the run, then the cloud monitors of the run (CloudWatch for
 * auto scaling groups, Azure Monitor for scale sets, Cloud Monitoring for instance groups), each
 * for its cloud's pools; a pool one of them has no data for goes to the next. Undefined when
 * there is none.
 */
export function poolSourceFor(
  config: StackfitConfig,
  usage: readonly UsageSource[],
  env: NodeJS.ProcessEnv = process.env,
): PoolUsageSource | undefined {
  if (config.pools.usageFile !== undefined) return filePoolSource(config.pools.usageFile);
  const readers: PoolReader[] = [];
  const spec =
    config.pools.prometheus ??
    usage
      .map((u) => (u as { spec?: unknown }).spec ?? u.name)
      .find((s): s is string => typeof s === 'string' && /^prometheus(\+https?)?:\/\//.test(s));
  if (spec) {
    const token = env.STACKFIT_PROMETHEUS_TOKEN;
    readers.push({ reader: prometheusPoolSource(prometheusBaseUrl(spec), { ...(token ? { bearerToken: token } : {}) }) });
  }
  for (const u of usage as readonly ScheduledUsageSource[]) {
    const pools = (u as { pools?: PoolUsageSource }).pools;
    if (pools) readers.push({ reader: pools, ...(u.cloud ? { cloud: u.cloud } : {}) });
  }
  if (readers.length === 0) return undefined;
  return readers.length === 1 && readers[0]!.cloud === undefined ? readers[0]!.reader : routedPoolSource(readers);
}

export const isPool = (w: Workload): boolean => w.pool !== undefined;

/** What an item adds to the plan's totals (the optimizer's convention: unchanged items count before = after). */
function contribution(item: PlanItem): { before: number; after: number; unpriced: number } {
  if (item.monthlyBefore === undefined) return { before: 0, after: 0, unpriced: 1 };
  return { before: item.monthlyBefore, after: item.monthlyAfter ?? item.monthlyBefore, unpriced: 0 };
}

/**
 * Why a pool has no price. An unknown node type is the line to read first: without a price
 * nothing can be sized. Otherwise the catalog's own reason (a Windows or spot rate it does not
 * hold, a paid image), never the Linux on-demand price instead.
 */
function unpricedReason(w: Workload, catalog: Catalog, priced: ReturnType<typeof currentPrice>): string {
  if (!currentOfferingOf(catalog, w))
    return `${w.name}: ${w.size} is not a ${w.cloud} node type the catalog knows in ${w.region ?? '(region unknown)'}: the pool is neither priced nor sized`;
  return `${w.name}: ${'unpriced' in priced ? priced.unpriced : 'not priced'}: the pool is neither priced nor sized`;
}

export interface PlanPoolsInput {
  plan: Plan;
  config: StackfitConfig;
  catalog: Catalog;
  source: PoolUsageSource | undefined;
  range: UsageRange;
}

/**
 * Replaces the plan items of node pools and groups with pool sizing (type and count together),
 * and fixes the totals. A pool without metrics keeps its price and gets one line saying why it
 * was not sized. Returns the pools' missing-usage reasons.
 */
export async function planPools(input: PlanPoolsInput): Promise<{ missing: PoolUsage['missing']; warnings: string[] }> {
  const { plan, config, catalog } = input;
  const pools = plan.items.filter((item) => isPool(item.workload)).map((item) => item.workload);
  if (pools.length === 0) return { missing: [], warnings: [] };
  const usage: PoolUsage = input.source
    ? await input.source.fetchPools(pools, input.range)
    : {
        demands: new Map<string, PoolDemand>(),
        missing: pools.map((w) => ({
          urn: w.urn,
          reason: `${w.name}: no pool metrics: set pools.prometheus (kube-state-metrics, node_exporter), a prometheus:// usage source, or pools.usageFile`,
        })),
      };
  // A read that failed says nothing about the pool: sizing the rest would read it as "nothing to
  // change" (and `pr` would autoclose its PR). Stop, as for per-VM usage (pipeline.ts).
  const failed = usage.missing.filter((m) => m.failed);
  if (failed.length > 0)
    throw new StackfitError(
      `${failed.length} of ${pools.length} pool(s) could not be read, so no plan is made on incomplete usage: ${failed.map((m) => m.reason).join('; ')}`,
    );
  const reasons = new Map(usage.missing.map((m) => [m.urn, m.reason]));
  plan.items = plan.items.map((item) => {
    const w = item.workload;
    if (!isPool(w)) return item;
    // What the pool pays today in its OS and market (spot), as for a VM (src/catalog/views.ts):
    // never the Linux on-demand price of a Windows or spot pool.
    const priced = currentPrice(catalog, w);
    const current = 'offering' in priced ? priced.offering : undefined;
    const demand = usage.demands.get(w.urn);
    const next: PlanItem =
      current && demand
        ? sizePool({
            workload: w,
            demand,
            current,
            catalog,
            rule: ruleFor(config, w),
            profile: poolProfileFor(config.pools, w),
            minHistoryHours: config.minHistoryHours,
          })
        : {
            urn: w.urn,
            workload: w,
            ...(current && { current, monthlyBefore: current.monthlyUsd * w.count }),
            action: 'no-recommendation',
            migrationCost: 0,
            risk: 0,
            reason: current ? (reasons.get(w.urn) ?? 'no pool metrics') : unpricedReason(w, catalog, priced),
          };
    const was = contribution(item);
    const now = contribution(next);
    plan.totals.monthlyBefore += now.before - was.before;
    plan.totals.monthlyAfter += now.after - was.after;
    plan.totals.unpriced += now.unpriced - was.unpriced;
    return next;
  });
  plan.totals.monthlyDelta = plan.totals.monthlyAfter - plan.totals.monthlyBefore;
  return { missing: usage.missing, warnings: usage.warnings ?? [] };
}
