/**
 * The contract of a usage source plug-in. A source is one folder `src/usage/<source>/` whose
 * `index.ts` exports a `UsageSourcePlugin` made with `defineUsageSource` (its options schema in
 * `schema.ts`), and one line in `src/usage/registry.ts`. Nothing else names a source: the spec
 * routing (`resolve.ts`), the `usage.<key>` options in stackfit.yaml (`config/schema.ts`), the
 * "which cloud does it serve" filter and the "add a source for this cloud" hint (`fetch.ts`)
 * all read the registry.
 *
 * This file imports no source, so that sources, the registry, `resolve.ts` and `fetch.ts`
 * depend on it and never on each other in a circle.
 */
import type { z } from 'zod';
import type { Cloud, UsageSource, Workload } from '../model';
import type { ProgressOptions } from './progress';
import type { PoolUsageSource } from './pool-contract';

/**
 * Per-source overrides a caller (the CLI, a test) passes to `resolveUsageSources` under the
 * source's `key`: endpoints, credentials, clients, retry bounds — things that are not
 * stackfit.yaml settings. Each source adds its own key to this interface (declaration merging):
 *
 *     declare module '../contract' { interface UsageSourceOverrides { mySource?: Partial<MyOptions> } }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging, one key per source
export interface UsageSourceOverrides {}

/** What a source is built from, besides its spec. */
export interface UsageSourceContext<Options> {
  /** `usage.<key>` from stackfit.yaml, parsed by the source's own `options` schema. */
  readonly options: Options;
  readonly overrides: UsageSourceOverrides;
  readonly env: NodeJS.ProcessEnv;
  /** Catalog facts for sources that convert percentages. */
  readonly vcpuOf?: (w: Workload) => number | undefined;
  readonly memoryGiBOf?: (w: Workload) => number | undefined;
  /** vCPU and memory of the size even where it has no price: for plausibility warnings only. */
  readonly capacityOf?: (w: Workload) => { vcpu: number; memoryGiB: number } | undefined;
  /** API sources call it with the number of workloads done (progress bar). */
  readonly onProgress: (done: number) => void;
}

/**
 * What a source builds: a `UsageSource`, with request counts and a cache key when it calls an API,
 * and `pools` when it can also read node pools / auto scaling groups as a whole (src/pools).
 */
export type BuiltUsageSource = UsageSource & {
  readonly stats?: { requests: number };
  readonly cacheKey?: string;
  readonly pools?: PoolUsageSource;
};

export interface UsageSourceDefinition<Key extends string, Options> {
  /** Its name in specs and messages (`cloudwatch`). */
  readonly name: string;
  /** Its key under `usage:` in stackfit.yaml and in `UsageSourceOverrides` (`cloudwatch`, `azureMonitor`). */
  readonly key: Key;
  /** The spec forms it accepts, for the "unknown usage source" message (`cloudwatch[:region]`). */
  readonly forms: readonly string[];
  /** The cloud whose workloads it serves; unset: any workload (Prometheus, files). */
  readonly cloud?: Cloud;
  /**
   * True for sources that call an API: their answers are cached on disk (cache.ts), they report
   * progress through `onProgress` and count requests. False for local files (read again each run).
   */
  readonly api: boolean;
  /** Its `usage.<key>` settings in stackfit.yaml (zod; unknown keys are refused). */
  readonly options: z.ZodType<Options>;
  /** Whether a spec is this source's, and if so what the source is built from: undefined = not mine. */
  select(spec: string): ((ctx: UsageSourceContext<Options>) => BuiltUsageSource) | undefined;
}

/** A source as the registry holds it: its options type erased behind `open`. */
export interface UsageSourcePlugin<Key extends string = string, Options = unknown> {
  readonly name: string;
  readonly key: Key;
  readonly forms: readonly string[];
  readonly cloud?: Cloud;
  readonly api: boolean;
  readonly options: z.ZodType<Options>;
  /** Builds the source for `spec`, or undefined when the spec is not this source's. */
  open(spec: string, ctx: OpenContext): BuiltUsageSource | undefined;
}

/** The context every source is opened with; `usageConfig` is stackfit.yaml's `usage:` section. */
export type OpenContext = Omit<UsageSourceContext<unknown>, 'options'> & { readonly usageConfig: Readonly<Record<string, unknown>> };

export function defineUsageSource<const Key extends string, Options>(
  def: UsageSourceDefinition<Key, Options>,
): UsageSourcePlugin<Key, Options> {
  return {
    name: def.name,
    key: def.key,
    forms: def.forms,
    ...(def.cloud ? { cloud: def.cloud } : {}),
    api: def.api,
    options: def.options,
    open(spec, ctx) {
      const build = def.select(spec);
      if (!build) return undefined;
      const { usageConfig, ...rest } = ctx;
      return build({ ...rest, options: def.options.parse(usageConfig[def.key] ?? {}) });
    },
  };
}

/** What fetchUsage reads of a source besides `fetch`: all optional, so a bare `UsageSource` will do. */
export interface ScheduledUsageSource extends UsageSource {
  /** The cloud it serves (undefined: any workload). */
  readonly cloud?: Cloud;
  /** Whether fetchUsage shows progress by default (`progress` given to resolveUsageSources). */
  readonly showProgress?: boolean;
  readonly progressOptions?: ProgressOptions;
  /** Set by fetchUsage: receives the number of workloads done. */
  setProgress?(report: ((done: number) => void) | undefined): void;
}

/** A source as resolved from a spec: which workloads it is for, its request count, progress hook. */
export interface ResolvedUsageSource extends ScheduledUsageSource {
  readonly spec: string;
  /** HTTP requests / API calls made so far (API sources). */
  readonly stats?: { requests: number };
  readonly cacheStats?: { hits: number; misses: number };
  /** Its pool reader, when it has one (not cached: pools are read once per run). */
  readonly pools?: PoolUsageSource;
  setProgress(report: ((done: number) => void) | undefined): void;
}
