import type { PlanAction, PlanItem, Risk } from '../model';
import type { StackfitConfig } from '../config/schema';
import { argminObjective, placeOf, type PlacementOption } from './options';
import { describeDemand, riskOf } from './risk';
import { EPS } from './lagrange';
import type { Fixed, Free, Spread } from './problem';

/** The explanation: plan items with their action, costs, risk and the reason for each choice. */

const usd = (value: number): string => value.toFixed(2);

export function fixedItem(fixed: Fixed): PlanItem {
  const { workload, current, demand } = fixed;
  const before = current ? current.monthlyUsd * workload.count : undefined;
  return {
    urn: workload.urn,
    workload,
    current,
    ...(fixed.action === 'keep' && { chosen: current }),
    demand,
    action: fixed.action,
    ...(before !== undefined && { monthlyBefore: before, monthlyAfter: before, monthlyDelta: 0 }),
    migrationCost: 0,
    risk: current && demand ? riskOf(current, demand) : 0,
    reason: fixed.reason,
  };
}

export interface ExplainContext {
  config: StackfitConfig;
  spreads: readonly Spread[];
  budget?: number;
}

/** Why the choice: the demand, the fit, what it saves or costs, and what forced it when it is not the workload's own best. */
function reasonFor(free: Free, option: PlacementOption, action: PlanAction, ctx: ExplainContext): string {
  const { workload, current, demand } = free;
  const { config } = ctx;
  const before = current.monthlyUsd * workload.count;
  const risk = riskOf(option.offering, demand);
  const parts = [describeDemand(demand, current)];
  if (!free.currentFits) parts.push(`${current.size} would saturate (risk ${riskOf(current, demand)})`);
  if (action === 'keep') {
    parts.push(`${current.size} fits at risk ${risk}`);
    if (free.bestNoise && free.options === free.filtered) {
      const saving = before - free.bestNoise.monthly;
      parts.push(
        `${free.bestNoise.offering.size} (${free.bestNoise.place}) would save ${usd(saving)} USD/month, under the thresholds ` +
          `(${config.thresholds.minMonthlyDeltaUsd} USD and ${config.thresholds.minDeltaPercent}%)`,
      );
    }
  } else {
    parts.push(`${option.offering.size}${action === 'move' ? ` in ${option.place}` : ''} fits at risk ${risk}`);
    if (action === 'move') {
      parts.push(`moves from ${placeOf(current.cloud, current.region)}: one-off ${usd(option.migration)} USD, amortised over ${config.migration.amortizeMonths} months`);
    }
  }
  const unconstrained = argminObjective(free.options);
  if (unconstrained && unconstrained.objective < option.objective - EPS * Math.max(1, option.objective)) {
    const spread = free.spread !== undefined ? ctx.spreads[free.spread] : undefined;
    parts.push(
      `chosen over ${unconstrained.offering.size} in ${unconstrained.place} (${usd(unconstrained.monthly)} USD/month) to meet ` +
        (spread && option.monthly >= unconstrained.monthly
          ? `group ${spread.name}'s spread (minClouds ${spread.minClouds}, minRegions ${spread.minRegions})`
          : `the budget of ${usd(ctx.budget ?? 0)} USD/month`),
    );
  }
  return parts.join('; ');
}

export function freeItem(free: Free, option: PlacementOption, ctx: ExplainContext): PlanItem {
  const { workload, current, demand } = free;
  const before = current.monthlyUsd * workload.count;
  const action: PlanAction = option.isCurrent ? 'keep' : option.place === placeOf(current.cloud, current.region) ? 'resize' : 'move';
  const risk: Risk = riskOf(option.offering, demand);
  return {
    urn: workload.urn,
    workload,
    current,
    chosen: option.offering,
    demand,
    action,
    monthlyBefore: before,
    monthlyAfter: option.monthly,
    monthlyDelta: option.monthly - before,
    migrationCost: option.migration,
    risk,
    reason: reasonFor(free, option, action, ctx),
  };
}
