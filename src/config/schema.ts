import { z } from 'zod';
import { CLOUDS } from '../model';
import { poolsConfigSchema } from '../pools/schema';
import { usageOptionsShape } from '../usage/registry';

/**
 * `stackfit.yaml`: the team's rules and mappings. Every field is optional; defaults follow
 * AWS Compute Optimizer (CPU P99.5, 20 % headroom) and Renovate (2 PRs an hour, 10 open).
 */

const cloud = z.enum(CLOUDS);
const arch = z.enum(['amd64', 'arm64']);
const fraction = z.number().min(0).max(5);
const percentile = z.number().min(50).max(100);

/**
 * Most instances of one workload stackfit decides about. Counts low..high are enumerated as
 * options (a billion-instance `maxCount` crashed Node growing that array), and no real workload
 * behind one config key runs more; a bigger fleet is an auto scaling group (pools:).
 */
export const MAX_INSTANCE_COUNT = 1000;
/**
 * Largest USD amount a rule takes (risk price, one-off migration cost): far above any real
 * trade-off, and it keeps the solver's objective finite and well-scaled (1e308 is a number).
 */
export const MAX_RULE_USD = 1_000_000;

/** Sizing knobs that can be set globally and overridden per workload. */
export const sizingSchema = z.object({
  /** Percentile of the forecast to size for, per dimension. */
  cpuPercentile: percentile.optional(),
  memoryPercentile: percentile.optional(),
  /** Headroom added on top, as a fraction (0.2 = 20 %). */
  cpuHeadroom: fraction.optional(),
  memoryHeadroom: fraction.optional(),
});

export const placementSchema = z.object({
  clouds: z.array(cloud).min(1).optional(),
  /** Allowed regions; per cloud, e.g. `{aws: [us-east-1], gcp: [us-central1]}`. */
  regions: z.partialRecord(cloud, z.array(z.string().min(1)).min(1)).optional(),
  arch: z.array(arch).min(1).optional(),
  /** Allowed families (prefix match on the offering family: `m7`, `standardDSv5Family`, `n2`). */
  families: z.array(z.string().min(1)).optional(),
  /** Families never to use. */
  excludeFamilies: z.array(z.string().min(1)).optional(),
  /** Allow previous-generation families (default false for recommendations; current size may be one). */
  allowPreviousGeneration: z.boolean().optional(),
});

export const workloadRuleSchema = sizingSchema.merge(placementSchema).extend({
  /** Keep this workload exactly where and as it is. */
  pin: z.boolean().optional(),
  /** Allow moving to another cloud/region (default: size changes only, same cloud and region). */
  allowMove: z.boolean().optional(),
  /** The workload tolerates eviction: price it at spot where the catalog has spot prices (opt-in). */
  interruptible: z.boolean().optional(),
  /**
   * The instance count is a decision (default: when the inventory knows the count's config key,
   * as in the example project). Assumes the load is shared evenly across instances.
   */
  scaleOut: z.boolean().optional(),
  /** Fewest / most instances a scale-out may choose (defaults 1 and max(4, 2 × today's count)). */
  minCount: z.number().int().min(1).max(MAX_INSTANCE_COUNT).optional(),
  maxCount: z.number().int().min(1).max(MAX_INSTANCE_COUNT).optional(),
  /**
   * N−k survivability: with this many instances lost, the rest still carry the forecast peak
   * plus headroom. Default 1 for a workload with 2+ instances whose count is a decision, else 0.
   */
  survive: z
    .number()
    .int()
    .min(0)
    .max(MAX_INSTANCE_COUNT - 1)
    .optional(),
  /** At most this many times fewer vCPU or GiB (count × size) in one PR (default 4); a bigger cut is done in steps. */
  maxStepDown: z.number().min(1).optional(),
  /** Smallest size a change may pick, per instance. */
  minVcpu: z.number().positive().optional(),
  minMemoryGiB: z.number().positive().optional(),
  /** Price of risk: USD per month the team pays to lower one instance's risk level by one (default 0: cost only). */
  riskAversion: z.number().min(0).max(MAX_RULE_USD).optional(),
});

export const groupRuleSchema = z.object({
  /** The group's workloads must use at least this many distinct clouds / regions. */
  minClouds: z.number().int().min(1).optional(),
  minRegions: z.number().int().min(1).optional(),
  /** The group's workloads talk to each other: they move together (to one place) or not at all. */
  colocate: z.boolean().optional(),
});

export const mappingSchema = z.object({
  /** URN, or logical resource name, of the resource. */
  resource: z.string().min(1),
  /** Full config key as written in Pulumi.<stack>.yaml. */
  configKey: z.string().min(1),
  /** Path into a structured value, dotted (`workloads.0.size`) or as a list. */
  path: z.union([z.string(), z.array(z.union([z.string(), z.number().int().min(0)]))]).optional(),
  /** Config key of the instance count (default: `configKey`); naming it or `countPath` makes the count stackfit's to change. */
  countKey: z.string().min(1).optional(),
  /** Path of the instance count under `countKey`, like `path`. */
  countPath: z.union([z.string(), z.array(z.union([z.string(), z.number().int().min(0)]))]).optional(),
  /** Only for this stack. */
  stack: z.string().optional(),
});

/**
 * `grouping:` a component type whose sized children are ONE workload (count = the children),
 * sized and moved together: the example project's `stackfit:demo:Workload`, or any project's
 * own component that stamps out N identical VMs.
 */
export const groupingSchema = z
  .object({
    /** The component's type token (`pkg:module:Type`). */
    componentType: z.string().min(1),
    /** Config key holding the components' settings (`{project}` = the project name); a component's own `configKey` input/output wins. */
    configKey: z.string().min(1).optional(),
    /** Path to the size under that key (`{name}` = the component's name); a component's own `configPath` wins. */
    sizePath: z.array(z.string().min(1)).min(1).default(['{name}', 'size']),
    /** Key next to the size holding the number of children: set, the count becomes stackfit's to change. */
    countKey: z.string().min(1).optional(),
  })
  .strict();

/**
 * `siblingKeys:` the keys next to a size key in Pulumi.<stack>.yaml that say where and how the
 * workload runs (read for moves; a key absent from the file is simply not used).
 */
export const siblingKeysSchema = z
  .object({
    cloud: z.string().min(1).optional(),
    region: z.string().min(1).optional(),
    zone: z.string().min(1).optional(),
    arch: z.string().min(1).optional(),
    image: z.string().min(1).optional(),
    count: z.string().min(1).optional(),
  })
  .strict();

/** One discount of the team's price book (`pricing.discounts`): which offerings, and how much off. */
export const discountSchema = z
  .object({
    cloud: cloud.optional(),
    kind: z.enum(['vm', 'database']).optional(),
    /** Region(s), exact (Azure: case- and space-insensitive). */
    region: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** Family / families, exact and case-insensitive (`m5` is not `m5a`: savings plans and reservations are per family). */
    family: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** Size, exact or a `*` glob (`m5.*`), case-insensitive. */
    size: z.string().min(1).optional(),
    /** Percent off the list price (0 < percent < 100). */
    percent: z.number().gt(0).lt(100),
    /** What the discount is ("EDP", "savings plan"), shown in the price source. */
    note: z.string().min(1).optional(),
  })
  .strict();

/** `pricing:`: refreshed prices and the team's discounts (see docs/prices.md). */
export const pricingSchema = z
  .object({
    /** Applied in order; the first matching discount wins. */
    discounts: z.array(discountSchema).default([]),
    /** Price GCP sizes at their committed-use monthly price where the catalog has one. */
    commitment: z
      .object({ gcp: z.enum(['1y', '3y']).optional() })
      .strict()
      .optional(),
    /** A refreshed overlay catalog (`stackfit catalog refresh --out`), relative to the working directory. */
    overlayDir: z.string().min(1).optional(),
  })
  .strict();

export const stackfitConfigSchema = z
  .object({
    /** Days of history to read, and days ahead to forecast. */
    lookbackDays: z.number().positive().max(455).default(32),
    horizonDays: z.number().positive().max(365).default(30),
    /** Minimum history before any recommendation (Compute Optimizer: 30 hours). */
    minHistoryHours: z.number().positive().default(30),
    cpuPercentile: percentile.default(99.5),
    memoryPercentile: percentile.default(99.5),
    cpuHeadroom: fraction.default(0.2),
    memoryHeadroom: fraction.default(0.2),
    /** Placement rules for every workload. */
    placement: placementSchema.prefault({}),
    /** Allow moving workloads between clouds and regions (default: resize in place only). */
    allowMove: z.boolean().default(false),
    budget: z
      .object({
        /** The stack's monthly cost must stay under this (USD). */
        maxMonthlyCost: z.number().positive().optional(),
        /**
         * `cost` (the default, when unset): the cheapest plan under the budget. `headroom`: spend the budget on
         * the least risk (fewest instance risk levels), then the least cost.
         */
        mode: z.enum(['cost', 'headroom']).optional(),
      })
      .prefault({}),
    migration: z
      .object({
        /** One-off cost (USD) of moving one instance to another cloud. */
        crossCloudCostPerInstance: z.number().min(0).max(MAX_RULE_USD).default(150),
        /** One-off cost (USD) of moving one instance to another region of the same cloud. */
        crossRegionCostPerInstance: z.number().min(0).max(MAX_RULE_USD).default(50),
        /** Months over which a one-off cost is spread in the objective. */
        amortizeMonths: z.number().positive().default(12),
        /** A move is proposed only when its one-off cost is paid back by the monthly saving within this many months. */
        maxPaybackMonths: z.number().positive().default(6),
        /**
         * Egress list price (USD/GiB) of the source cloud, for the disks a move copies out. GCP's
         * comes from the vendored price file (internet egress, first TiB) when unset; AWS and Azure
         * have no price in data/: unset, the data-transfer part of a move is reported as unknown.
         */
        egressUsdPerGiB: z.partialRecord(cloud, z.number().min(0)).default({}),
      })
      .prefault({}),
    /** Ignore changes smaller than these (both must be met to report a change). */
    thresholds: z
      .object({
        minMonthlyDeltaUsd: z.number().min(0).default(1),
        minDeltaPercent: z.number().min(0).default(0),
      })
      .prefault({}),
    /** Per-workload rules, keyed by logical name, URN, or a `*` glob over either. */
    workloads: z.record(z.string(), workloadRuleSchema).prefault({}),
    groups: z.record(z.string(), groupRuleSchema).prefault({}),
    mappings: z.array(mappingSchema).default([]),
    grouping: z.array(groupingSchema).default([]),
    /** Default: each role under its own name (`cloud`, `region`, …); `{}` turns them off. */
    siblingKeys: siblingKeysSchema.default({
      cloud: 'cloud',
      region: 'region',
      zone: 'zone',
      arch: 'arch',
      image: 'image',
      count: 'count',
    }),
    pr: z
      .object({
        /** New PRs opened per run (Renovate prHourlyLimit-like) and open at once. */
        maxNewPerRun: z.number().int().min(0).default(2),
        maxOpen: z.number().int().min(0).default(10),
        groupBy: z.enum(['stack', 'group', 'workload']).default('stack'),
        labels: z.array(z.string().min(1)).default(['stackfit', 'cost']),
        branchPrefix: z.string().min(1).default('stackfit/'),
        baseBranch: z.string().min(1).optional(),
      })
      .prefault({}),
    /** Usage sources and their options (see the README). */
    usage: z
      .object({
        sources: z.array(z.string().min(1)).default([]),
        stepSeconds: z.number().int().positive().optional(),
        cacheDir: z.string().optional(),
        /** Each source's own settings, `usage.<key>` (src/usage/registry.ts). */
        ...usageOptionsShape,
      })
      .prefault({}),
    /** Refreshed prices and discounts; absent = the shipped catalog's list prices. */
    pricing: pricingSchema.optional(),
    /** Node pools and auto scaling groups (docs/node-pools.md). */
    pools: poolsConfigSchema.prefault({}),
  })
  .strict();

export type StackfitConfig = z.infer<typeof stackfitConfigSchema>;
export type WorkloadRule = z.infer<typeof workloadRuleSchema>;
export type GroupRule = z.infer<typeof groupRuleSchema>;
export type PlacementRule = z.infer<typeof placementSchema>;
export type PricingConfig = z.infer<typeof pricingSchema>;
export type DiscountRule = z.infer<typeof discountSchema>;
export type GroupingRule = z.infer<typeof groupingSchema>;
export type SiblingKeys = z.infer<typeof siblingKeysSchema>;
