import type { PlanAction, PlanItem } from '../model';
import { usd } from '../money';
import type { StackfitConfig } from '../config/schema';
import { argminObjective, placeOf, type PlacementOption } from './options';
import { describeDemand, fitsDemand, riskOf } from './risk';
import { EPS } from './lagrange';
import type { Fixed, Free, Spread } from './problem';

/** The explanation: plan items with their action, costs, risk and the reason for each choice. */

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

const sizeText = (o: PlacementOption, today: number): string => (o.count !== today ? `${o.count} × ${o.offering.size}` : o.offering.size);

/** The move: one-off cost (instances + data), payback, and that the VMs are replaced. */
function moveText(free: Free, option: PlacementOption, config: StackfitConfig): string {
  const { current, workload } = free;
  const detail = option.migrationDetail;
  const parts = [`moves from ${placeOf(current.cloud, current.region)}: new VMs (new disks and addresses) replace today's`];
  let cost = `one-off ${usd(option.migration)}`;
  if (detail) {
    const data =
      detail.dataUsd !== undefined
        ? ` + ${detail.dataGiB} GiB of disks at ${usd(detail.dataUsd / detail.dataGiB!, 3)}/GiB egress = ${usd(detail.dataUsd)} (${detail.egressPriceSource})`
        : '';
    cost += ` (${option.count} instance(s) × ${usd(detail.instancesUsd / Math.max(1, option.count))}${data})`;
    if (detail.unknown.length) cost += `; not priced: ${detail.unknown.join(', ')}`;
  }
  parts.push(cost);
  const stay = free.stayMonthly ?? current.monthlyUsd * workload.count;
  const saving = stay - option.monthly;
  if (saving > 0)
    parts.push(
      `paid back in ${(option.migration / saving).toFixed(1)} months${free.currentFits ? '' : ' against resizing in place'} (limit ${config.migration.maxPaybackMonths})`,
    );
  return parts.join('; ');
}

/** "step 1 of N": the cut `maxStepDown` held back. */
function stepOf(free: Free, option: PlacementOption): { step: number; of: number; maxStepDown: number } | undefined {
  const beyond = free.beyondStep;
  if (!beyond || beyond.objective >= option.objective - EPS) return undefined;
  const { current, workload, sizing } = free;
  const total = (o: PlacementOption, dim: 'vcpu' | 'memoryGiB') => o.count * o.offering[dim];
  const ratio = Math.max(
    (workload.count * current.vcpu) / total(beyond, 'vcpu'),
    (workload.count * current.memoryGiB) / total(beyond, 'memoryGiB'),
  );
  const of = Math.max(2, Math.ceil(Math.log(ratio) / Math.log(sizing.maxStepDown) - 1e-9));
  return { step: 1, of, maxStepDown: sizing.maxStepDown };
}

/**
 * Why the count changes: how many instances carry the peak (with `survive` lost), and what the
 * cheapest option at today's count in the chosen place costs, when one is among the options.
 */
function countText(free: Free, option: PlacementOption): string | undefined {
  const { workload, sizing } = free;
  if (option.count === workload.count) return undefined;
  const carry = option.count - sizing.survive;
  const head = `${workload.count} → ${option.count} instances of ${option.offering.size}`;
  const why =
    sizing.survive > 0
      ? `with ${sizing.survive} lost (survive: ${sizing.survive}) the other ${carry} carry the peak`
      : `${option.count} carry the peak`;
  const atToday = free.atTodayCount?.get(option.place);
  const compare =
    atToday && atToday.monthly > option.monthly + EPS
      ? `; at ${workload.count} instances the cheapest fit in ${option.place} is ${workload.count} × ${atToday.offering.size} at ${usd(atToday.monthly)}/month, against ${usd(option.monthly)}`
      : '';
  return `${head}: ${why}${compare}`;
}

/** Why a plan item costs more than today. */
function increaseText(free: Free, option: PlacementOption, ctx: ExplainContext): string | undefined {
  const { current, workload, demand, sizing } = free;
  if (option.monthly <= current.monthlyUsd * workload.count + EPS) return undefined;
  if (!free.currentFits) {
    return sizing.survive > 0 && fitsDemand(current, demand)
      ? `costs more because survive: ${sizing.survive} asks that ${workload.count - sizing.survive} of ${workload.count} × ${current.size} carry the peak, which they cannot`
      : `costs more because ${current.size} would saturate`;
  }
  if (ctx.config.budget.mode === 'headroom')
    return `costs more to lower the risk from ${riskOf(current, demand)} to ${option.risk} within the budget (budget.mode headroom)`;
  if (sizing.riskAversion > 0 && option.risk < riskOf(current, demand))
    return `costs more to lower the risk from ${riskOf(current, demand)} to ${option.risk} (riskAversion: ${usd(sizing.riskAversion)}/month per level per instance)`;
  return undefined;
}

/** Why the choice: the demand, the fit, what it saves or costs, and what forced it when it is not the workload's own best. */
function reasonFor(free: Free, option: PlacementOption, action: PlanAction, ctx: ExplainContext): string {
  const { workload, current, demand, sizing } = free;
  const { config } = ctx;
  const before = current.monthlyUsd * workload.count;
  const parts = [describeDemand(demand, current)];
  if (sizing.survive > 0)
    parts.push(`sized so that ${option.count - sizing.survive} of ${option.count} instances carry the peak (survive: ${sizing.survive})`);
  if (!free.currentFits)
    parts.push(`${current.size}${sizing.survive > 0 ? ` × ${workload.count}` : ''} would saturate (risk ${riskOf(current, demand)})`);
  if (action === 'keep') {
    parts.push(`${current.size} fits at risk ${option.risk}`);
    if (free.bestNoise && free.options === free.filtered) {
      const saving = before - free.bestNoise.monthly;
      parts.push(
        `${sizeText(free.bestNoise, workload.count)} (${free.bestNoise.place}) would save ${usd(saving)}/month, under the thresholds ` +
          `(${usd(config.thresholds.minMonthlyDeltaUsd)} and ${config.thresholds.minDeltaPercent}%)`,
      );
    }
  } else {
    parts.push(`${sizeText(option, workload.count)}${action === 'move' ? ` in ${option.place}` : ''} fits at risk ${option.risk}`);
    if (option.count !== workload.count)
      parts.push(`${option.count > workload.count ? 'scales out' : 'scales in'} from ${workload.count} to ${option.count} instances`);
    if (action === 'move') parts.push(moveText(free, option, config));
  }
  const increase = increaseText(free, option, ctx);
  if (increase) parts.push(increase);
  const step = stepOf(free, option);
  if (step)
    parts.push(
      `step 1 of ${step.of}: ${sizeText(free.beyondStep!, workload.count)} would fit, but maxStepDown ${step.maxStepDown} allows at most ${step.maxStepDown}× fewer vCPU or GiB per change`,
    );
  const unconstrained = argminObjective(free.options);
  if (unconstrained && unconstrained.objective < option.objective - EPS * Math.max(1, option.objective)) {
    const spread = free.spread !== undefined ? ctx.spreads[free.spread] : undefined;
    parts.push(
      `chosen over ${sizeText(unconstrained, workload.count)} in ${unconstrained.place} (${usd(unconstrained.monthly)}/month) to meet ` +
        (spread && option.monthly >= unconstrained.monthly
          ? `group ${spread.name}'s spread (minClouds ${spread.minClouds}, minRegions ${spread.minRegions})`
          : `the budget of ${usd(ctx.budget ?? 0)}/month`),
    );
  }
  if (free.colocate && action === 'move') parts.push(`moves with the rest of group ${free.colocate} (colocate)`);
  return parts.join('; ');
}

export function freeItem(free: Free, option: PlacementOption, ctx: ExplainContext): PlanItem {
  const { workload, current, demand } = free;
  const before = current.monthlyUsd * workload.count;
  const action: PlanAction = option.isCurrent ? 'keep' : option.place === placeOf(current.cloud, current.region) ? 'resize' : 'move';
  const saving = (free.stayMonthly ?? before) - option.monthly;
  const step = stepOf(free, option);
  const increase = increaseText(free, option, ctx);
  const countReason = countText(free, option);
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
    ...(option.count !== workload.count && { countAfter: option.count }),
    ...(action === 'move' &&
      option.migrationDetail && {
        migration: {
          ...option.migrationDetail,
          ...(saving > 0 && { paybackMonths: option.migration / saving }),
          ...(!free.currentFits && free.stayMonthly !== undefined && { stayMonthly: free.stayMonthly }),
        },
      }),
    ...(countReason && { countReason }),
    ...(step && { step }),
    ...(increase && { increaseReason: increase }),
    risk: option.risk,
    reason: reasonFor(free, option, action, ctx),
  };
}
