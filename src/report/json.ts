import type { Offering, Plan, PlanItem, UsageDigest } from '../model';
import { RISK_LABELS } from '../optimize/risk';

/**
 * The stable JSON document `stackfit recommend --format json` writes (schemaVersion 1).
 * Documented in docs/report-json.md; the policy pack's right-size policy reads it.
 */
export const REPORT_SCHEMA_VERSION = 1;

function offeringJson(o: Offering | undefined) {
  if (!o) return null;
  return {
    cloud: o.cloud,
    region: o.region,
    size: o.size,
    vcpu: o.vcpu,
    memoryGiB: o.memoryGiB,
    arch: o.arch,
    family: o.family,
    hourlyUsd: o.hourlyUsd,
    monthlyUsd: o.monthlyUsd,
    priceSource: o.priceSource,
    priceDate: o.priceDate,
  };
}

function itemJson(item: PlanItem) {
  const w = item.workload;
  return {
    urn: item.urn,
    workload: {
      name: w.name,
      type: w.type,
      kind: w.kind,
      cloud: w.cloud,
      region: w.region ?? null,
      size: w.size,
      count: w.count,
      group: w.group ?? null,
      configRef: w.configRef ?? null,
    },
    action: item.action,
    current: offeringJson(item.current),
    chosen: offeringJson(item.chosen),
    countAfter: item.pool?.after.desired ?? item.countAfter ?? w.count,
    monthlyBefore: item.monthlyBefore ?? null,
    monthlyAfter: item.monthlyAfter ?? null,
    monthlyDelta: item.monthlyDelta ?? null,
    migrationCost: item.migrationCost,
    risk: item.risk,
    riskLabel: RISK_LABELS[item.risk],
    confidence: item.demand?.confidence ?? null,
    cpuBound: item.demand?.cpuBound === true,
    evidence: item.demand
      ? {
          status: item.demand.status,
          historyHours: item.demand.historyHours,
          horizonDays: item.demand.horizonDays,
          cpu: item.demand.cpu,
          memory: item.demand.memory ?? null,
          allowDownsize: item.demand.allowDownsize,
          heldOutExceedance: item.demand.heldOutExceedance ?? null,
          notes: item.demand.notes,
          usage: item.demand.usage ? usageJson(item.demand.usage) : null,
        }
      : null,
    reason: item.reason,
    alternatives: (item.alternatives ?? []).map((a) => ({
      ...offeringJson(a.offering),
      monthlyTotal: a.monthly,
      monthlyDelta: item.monthlyBefore === undefined ? null : a.monthly - item.monthlyBefore,
      risk: a.risk,
    })),
  };
}

/** The downsampled usage behind the evidence (peak per bucket, per instance), for any UI to chart. */
function usageJson(u: UsageDigest) {
  return { start: new Date(u.start).toISOString(), bucketHours: u.bucketHours, cpuCores: u.cpuCores, memoryGiB: u.memoryGiB ?? null };
}

export interface ReportExtras {
  generatedAt?: Date;
  /** Workloads no usage source could serve, with the cause. */
  missingUsage?: { urn: string; reason: string }[];
  priceSources?: readonly { cloud: string; kind: string; source: string; date: string }[];
}

export function planToJson(plan: Plan, extras: ReportExtras = {}) {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: (extras.generatedAt ?? new Date()).toISOString(),
    stack: plan.stack ?? null,
    totals: {
      ...plan.totals,
      yearlyDelta: plan.totals.monthlyDelta * 12,
      // What the totals leave out besides `unpriced` workloads: sized resources not read (`skipped`), and other billed resources.
      unreadable: plan.skipped.length,
      otherResources: plan.otherResources?.length ?? 0,
    },
    solver: plan.solver,
    items: plan.items.map(itemJson),
    skipped: plan.skipped,
    otherResources: plan.otherResources ?? [],
    missingUsage: extras.missingUsage ?? [],
    priceSources: extras.priceSources ?? [],
  };
}

export function renderJson(plan: Plan, extras: ReportExtras = {}): string {
  return `${JSON.stringify(planToJson(plan, extras), null, 2)}\n`;
}
