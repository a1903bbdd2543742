/**
 * The plain data types that flow between the pipeline's steps
 * (inventory → usage → demand → candidates → plan → change → deliver).
 * Every step takes and returns these; nothing here does I/O.
 */

export const CLOUDS = ['aws', 'azure', 'gcp'] as const;
export type Cloud = (typeof CLOUDS)[number];

export type Arch = 'amd64' | 'arm64';

/** What a sized resource is: a VM-like compute resource, or a managed database instance. */
export type WorkloadKind = 'vm' | 'database';

/**
 * Where in the stack's config the value that drives a resource's size (or placement) lives.
 * `key` is the full config key as written in `Pulumi.<stack>.yaml` (`proj:key` or a bare key);
 * `path` walks into a structured value (object keys and list indexes).
 */
export interface ConfigRef {
  key: string;
  path: (string | number)[];
}

/** Identifiers a monitoring system knows the workload by (read from stack state outputs). */
export interface MetricIds {
  /** AWS EC2 instance id (`i-…`) or RDS DB instance identifier. */
  awsInstanceId?: string;
  awsDbInstanceId?: string;
  /** Azure ARM resource id (`/subscriptions/…/providers/Microsoft.Compute/virtualMachines/…`). */
  azureResourceId?: string;
  /** GCP numeric instance id, and its project / zone / name. */
  gcpInstanceId?: string;
  gcpProject?: string;
  gcpZone?: string;
  /** An auto scaling group's name (the ASG itself, or the one backing an EKS managed node group): CloudWatch's `AutoScalingGroupName`. */
  awsAutoScalingGroupName?: string;
  /** A managed instance group's name: Cloud Monitoring's `metadata.system_labels.instance_group` of its VMs. */
  gcpInstanceGroup?: string;
  /** A GKE node pool's managed instance groups, one per zone (names from its `instanceGroupUrls` output): read together. */
  gcpInstanceGroups?: string[];
  /** A host name or other label value (e.g. for Prometheus joins). */
  hostname?: string;
  /** The Pulumi logical name, always present; usage files may key on it. */
  name: string;
  /**
   * For a workload that stands for several VMs (`count` > 1, e.g. the example project's
   * component): each VM's own ids, so that monitoring sources can read every instance and
   * combine them. Absent when the workload is one VM (its ids are the fields above).
   */
  instances?: InstanceMetricIds[];
}

/** One instance's monitoring ids inside a multi-instance workload. */
export type InstanceMetricIds = Omit<MetricIds, 'name' | 'instances'>;

export interface Workload {
  /** Pulumi URN: the stable identity of the workload everywhere in stackfit. */
  urn: string;
  /** Logical name (last URN segment). */
  name: string;
  /** Pulumi resource type token, e.g. `aws:ec2/instance:Instance`. */
  type: string;
  kind: WorkloadKind;
  cloud: Cloud;
  /** Region (AWS/Azure region, GCP region derived from the zone); undefined when unknown. */
  region?: string;
  /** GCP zone / AWS availability zone, when known. */
  zone?: string;
  /** Current size: instance type, VM size, machine type, DB instance class. */
  size: string;
  /** Number of identical instances (scale sets, instance groups, the example component's `count`). */
  count: number;
  /** Workload group (from the example project's config or a tag), used by spread rules. */
  group?: string;
  /** For databases: engine (`mysql`, `postgres`, …) and whether Multi-AZ. */
  engine?: string;
  multiAz?: boolean;
  metricIds: MetricIds;
  /** Where the size is set in stack config, when known (example project, mapping, inference). */
  configRef?: ConfigRef;
  /** Where the instance count is set in stack config, when known: the count is then a decision. */
  countRef?: ConfigRef;
  /** Size of each instance's attached disks (GiB), when the stack says: what a move has to copy. */
  diskGiB?: number;
  /** Stack this workload was read from. */
  stack?: string;
  /**
   * Operating system as the resource declares it (image, platform, OS profile): absent means
   * nothing says it is not Linux; `unknown` means the resource names an OS stackfit cannot price.
   */
  os?: OperatingSystem | 'unknown';
  /** What the OS was read from, for messages (`imageReference.publisher MicrosoftWindowsServer`). */
  osEvidence?: string;
  /** Set when the VM runs on spot / preemptible capacity: the property that says so (it pays the spot price). */
  spot?: string;
  /** Set when the VM runs on dedicated hardware (dedicated tenancy, a dedicated or sole-tenant host): the property that says so. */
  dedicated?: string;
  /** A premium image whose licence the catalog may price (GCP `rhel`, `rhel-sap`, `sles`, `sles-sap`); `os` is then `unknown`. */
  imageLicence?: string;
  /** AWS burstable credit mode as declared (`creditSpecification.cpuCredits`); absent: the family default. */
  cpuCredits?: 'standard' | 'unlimited';
  /** Set for node pools and auto scaling groups: `count` is then the desired node count. */
  pool?: PoolInfo;
}

/** What a node pool / auto scaling group adds to a workload (see docs/node-pools.md). */
export interface PoolInfo {
  /** `kubernetes`: a cluster's node pool (sized by pod requests); `vm-group`: ASG, scale set, instance group. */
  kind: 'kubernetes' | 'vm-group';
  /** Autoscaling bounds, when the resource sets them. */
  min?: number;
  max?: number;
  /** The pool runs spot / preemptible capacity (so a spot price is what it pays). */
  spot: boolean;
  /** Cluster name (Kubernetes pools). */
  cluster?: string;
  /** The pool's own name as the cloud knows it (EKS node group, AKS agent pool, GKE node pool). */
  poolName?: string;
  /** Kubernetes node label that selects the pool's nodes (`eks.amazonaws.com/nodegroup`). */
  nodeLabel?: string;
  /** Where a component's count is per zone (GKE `nodeCount`): nodes = count per zone × zones. */
  zones?: number;
  /** Pods a node may run, when the pool sets it (AKS `maxPods`, GKE `maxPodsPerNode`); EKS: by type (src/pools/max-pods.ts). */
  maxPodsPerNode?: number;
}

export interface SkippedResource {
  urn: string;
  type: string;
  reason: string;
}

export interface Inventory {
  /** Where it was read from (file path or URL), for messages. */
  source: string;
  project?: string;
  stack?: string;
  workloads: Workload[];
  /** Resources seen but not turned into workloads, with the reason. */
  skipped: SkippedResource[];
  /** URNs of billed resources stackfit does not size (buckets, networks, …): never in a total, always counted next to it. */
  otherResources?: string[];
}

/** A time series: parallel arrays, timestamps in Unix milliseconds, ascending. */
export interface Series {
  t: number[];
  v: number[];
}

/**
 * Usage of one workload, per instance: CPU in used cores, memory in used GiB.
 * Memory is absent when the source has no memory metric (CPU-only sizing).
 */
export interface UsageSeries {
  urn: string;
  cpuCores: Series;
  memoryGiB?: Series;
  /** Which source produced it, e.g. `file:usage.csv`, `prometheus://127.0.0.1:9090`. */
  source: string;
  /**
   * The source failed to read part of it (memory), so it is sized on what was read and the run
   * warns. Never cached: a later run must ask again rather than reuse the incomplete series.
   */
  partial?: boolean;
}

export interface UsageRange {
  start: Date;
  end: Date;
  /** Desired resolution in seconds; a source may return coarser data. */
  stepSeconds: number;
}

export interface UsageResult {
  series: Map<string, UsageSeries>;
  /** Workloads the source could not serve, with the cause (no id, API error, no data). */
  /**
   * Workloads without usage, with the reason. `failed`: the source could not read it (a request or
   * API error), as opposed to having no data for it: the run must not act on that gap.
   */
  missing: { urn: string; reason: string; failed?: boolean }[];
  /** Non-fatal findings worth showing the user (e.g. rows for resources not in the stack). */
  warnings?: string[];
}

/** The contract every usage source (file, Prometheus, CloudWatch, …) implements. */
export interface UsageSource {
  readonly name: string;
  fetch(workloads: readonly Workload[], range: UsageRange): Promise<UsageResult>;
}

export interface DimensionEvidence {
  p50: number;
  p95: number;
  max: number;
  /** Peak of the forecast over the horizon at the chosen percentile. */
  forecastPeak: number;
  /** Percentile (0–100) and headroom (fraction, 0.2 = 20 %) applied. */
  percentile: number;
  headroom: number;
  /** The need: forecastPeak × (1 + headroom), widened when history is short. */
  required: number;
  /** Observed quantiles of the history (keys "50" … "100"): risk reads a size's exceedance from them. */
  quantiles?: Record<string, number>;
}

export type Confidence = 'high' | 'medium' | 'low';

/** What a workload will need per instance over the horizon. */
export interface Demand {
  urn: string;
  status: 'ok' | 'insufficient-history';
  /** Hours of history the forecast used. */
  historyHours: number;
  horizonDays: number;
  cpu: DimensionEvidence;
  /** Absent for CPU-only sizing. */
  memory?: DimensionEvidence;
  confidence: Confidence;
  /** False for young workloads: never recommend anything smaller than today. */
  allowDownsize: boolean;
  /** Human-readable notes ("CPU only: no memory metric", "history 3 days: margins ×1.5"). */
  notes: string[];
  /** CPU sat at the current capacity in a meaningful share of samples: demand above it is unseen. */
  cpuBound?: boolean;
  /** Rolling back-test: share of the last week above the size fitted without it. */
  heldOutExceedance?: number;
  /** The usage behind it, downsampled for charts (PR body, JSON report, terminal sparklines). */
  usage?: UsageDigest;
}

/**
 * A small copy of a workload's usage over the look-back window: the peak per bucket, per
 * instance (cores, GiB). `null` marks a bucket without samples. See src/charts/series.ts.
 */
export interface UsageDigest {
  /** Start of the first bucket, Unix ms. */
  start: number;
  bucketHours: number;
  cpuCores: (number | null)[];
  /** Absent for CPU-only sizing. */
  memoryGiB?: (number | null)[];
}

/** One priced size in one place. Prices in USD. */
export interface Offering {
  cloud: Cloud;
  region: string;
  size: string;
  kind: WorkloadKind;
  vcpu: number;
  memoryGiB: number;
  arch: Arch;
  /** Family / series: `m5`, `standardDSv5Family`, `n2`, `db.r5`. */
  family: string;
  /** False for previous-generation families. */
  currentGeneration: boolean;
  gpus: number;
  hourlyUsd: number;
  /** hourlyUsd × 730, or the source's own monthly price. */
  monthlyUsd: number;
  /** Committed-use monthly prices where the source has them (GCP 1y/3y). */
  monthlyUsdCommitted1y?: number;
  monthlyUsdCommitted3y?: number;
  /** Databases: engine and deployment. */
  engine?: string;
  multiAz?: boolean;
  /** Where the price comes from, and its date (ISO). */
  priceSource: string;
  priceDate: string;
  /** What the size offers (`premium-storage`, `temp-disk`, `local-ssd`, `gpu`, `confidential`, `hpc`, `metal`); absent: not known. */
  capabilities?: readonly string[];
  /** CPU maker (`intel`, `amd`, `aws`, `arm`) and family generation, where known. */
  cpuVendor?: string;
  generation?: number;
  /** Burstable sizes: the CPU sustained indefinitely (cores) and the credits banked at most (core-hours). */
  burst?: { baselineCores: number; creditCapCoreHours: number };
  /** Windows Server licence per hour where the source prices it (GCP). */
  windowsLicenceHourlyUsd?: number;
  /** Premium Linux image licences per hour where the source prices them (GCP: `rhel`, `rhel-sap`, `sles`, `sles-sap`). */
  imageLicencesHourlyUsd?: Readonly<Record<string, number>>;
  /** The price includes this image licence (a key of `imageLicencesHourlyUsd`). */
  imageLicence?: string;
  /** Spot / preemptible prices where the source has them. */
  spotHourlyUsd?: number;
  spotMonthlyUsd?: number;
  /** The operating system the price is for: absent means Linux. */
  os?: OperatingSystem;
  /** The price is a spot price (the workload is marked interruptible): it can be evicted. */
  spot?: boolean;
}

export type OperatingSystem = 'linux' | 'windows';

export const HOURS_PER_MONTH = 730;

/** Risk that the chosen size saturates, 0 (none) to 4 (very high), Compute-Optimizer style. */
export type Risk = 0 | 1 | 2 | 3 | 4;

export type PlanAction = 'keep' | 'resize' | 'move' | 'no-recommendation';

export interface PlanItem {
  urn: string;
  workload: Workload;
  /** Current offering (undefined when the current size is not in the catalog: unpriced). */
  current?: Offering;
  /** Chosen offering (undefined when no recommendation is possible). */
  chosen?: Offering;
  demand?: Demand;
  action: PlanAction;
  /** Monthly cost for all `count` instances. */
  monthlyBefore?: number;
  monthlyAfter?: number;
  monthlyDelta?: number;
  /** One-off cost of moving between clouds, counted in the objective (amortised). */
  migrationCost: number;
  /** Instances after the change (absent: unchanged, `workload.count`). */
  countAfter?: number;
  /** For a move: what the one-off cost is made of, and when the saving pays it back. */
  migration?: MigrationCost;
  /** Why the item costs more than today (saturation, survivability, risk), when it does. */
  increaseReason?: string;
  /** Why the instance count changes (survivability, and what today's count would cost), when it does. */
  countReason?: string;
  /** A cut capped by `maxStepDown`: this change is step 1 of `of`. */
  step?: { step: number; of: number; maxStepDown: number };
  risk: Risk;
  /** Why this choice (or why none). */
  reason: string;
  /**
   * Ranked runner-up sizes in the chosen place (Compute Optimizer's "options"): the next
   * cheapest sizes that also meet the demand, usually bigger and so at lower risk.
   */
  alternatives?: { offering: Offering; monthly: number; risk: Risk }[];
  /** For node pools: the node counts before → after and the evidence (src/pools). */
  pool?: PoolPlan;
}

/** A node pool's sizing: type and counts together, priced at the average node count. */
export interface PoolPlan {
  before: PoolCounts;
  after: PoolCounts;
  /** Average nodes over the window: observed before, needed after (what the monthly prices use). */
  averageNodesBefore: number;
  averageNodesAfter: number;
  /** Monthly cost at the pool's min and max node count, after the change. */
  monthlyAtMin?: number;
  monthlyAtMax?: number;
  /** Requests vs allocatable, utilisation, largest pod: one line each, for the PR body. */
  evidence: string[];
}

export interface PoolCounts {
  desired: number;
  min?: number;
  max?: number;
}

export interface MigrationCost {
  /** Per-instance one-off × instances created. */
  instancesUsd: number;
  /** Disk data copied out (GiB) and its egress cost at the source cloud's list price, when known. */
  dataGiB?: number;
  dataUsd?: number;
  /** Where the egress price comes from (file and date, or the stackfit.yaml setting). */
  egressPriceSource?: string;
  /** What could not be priced (e.g. AWS egress without `migration.egressUsdPerGiB.aws`). */
  unknown: string[];
  /** One-off ÷ monthly saving against staying (today's cost, or the cheapest size in today's place when today's no longer fits); absent when the move saves nothing. */
  paybackMonths?: number;
  /** When today's size no longer fits: the monthly cost of the cheapest size in today's place, which the payback is measured against. */
  stayMonthly?: number;
}

export interface Plan {
  stack?: string;
  items: PlanItem[];
  totals: {
    monthlyBefore: number;
    monthlyAfter: number;
    monthlyDelta: number;
    /** Workloads whose current size has no price: not in the totals. */
    unpriced: number;
  };
  skipped: SkippedResource[];
  /** The inventory's otherResources: named next to the totals, which do not include them. */
  otherResources?: string[];
  solver: {
    /** 'feasible': a solve hit its time limit; the plan meets every rule and `gap` bounds how far from optimal it is. */
    status: 'optimal' | 'infeasible' | 'trivial' | 'feasible';
    objective: number;
    /** LP relaxation bound and relative gap, when computed. */
    lpBound?: number;
    gap?: number;
    variables: number;
    constraints: number;
    millis: number;
    /** The algorithm actually run, and the models handed to a solver (see docs/optimizer.md). */
    method?: string;
    models?: {
      /** Workloads decided in closed form (argmin of their options, no solver). */
      closedForm: number;
      milp: {
        solver: string;
        solves: number;
        largestVariables: number;
        largestConstraints: number;
        totalVariables: number;
        totalConstraints: number;
      };
      pareto?: { stages: number; choices: number };
    };
  };
}

/** A clear, user-facing error: names what and where. The CLI prints `message` and exits non-zero. */
export class StackfitError extends Error {
  constructor(
    message: string,
    /** File, URL or config path the error is about. */
    readonly where?: string,
    readonly exitCode = 1,
  ) {
    super(where ? `${where}: ${message}` : message);
    this.name = 'StackfitError';
  }
}

/**
 * One change to one stack config file: set the value at `ref` from `from` to `to`.
 * Produced from a plan (step 6) and applied by a pure updater to the file text.
 */
export interface ConfigEdit {
  /** Path of the `Pulumi.<stack>.yaml` file, relative to the repository root. */
  file: string;
  stack: string;
  ref: ConfigRef;
  from: string | number;
  to: string | number;
  /** The plan item(s) that motivate the edit. */
  urns: string[];
  /**
   * `set` (default): change the value at `ref` from `from` to `to`. `remove`: delete the key at
   * `ref` (its value must be `from`; `to` is ''). `add`: create the key at `ref` with value `to` in
   * the existing object (`from` is ''). Used for moves: e.g. drop a GCP `zone`, add `arch: arm64`.
   */
  op?: 'set' | 'add' | 'remove';
}

/** A resource stackfit could not map back to config: the user must change it by hand. */
export interface ManualChange {
  urn: string;
  property: string;
  from: string;
  to: string;
  reason: string;
}
