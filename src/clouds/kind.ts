import type { Cloud, PoolInfo, Workload } from '../model';
import type { ReadResult, ResourceContext } from '../stack/handler';
import { isSecret, isUnknown, lookup, numberAt } from '../stack/values';

/**
 * The contract of a resource kind added through the registry (`src/clouds/registry.ts`): one
 * file per kind under `src/clouds/<cloud>/`, one line in the registry. Unlike the older
 * per-resource handlers (`src/clouds/<cloud>/resources.ts`), a kind may
 * - look at other resources of the stack (an auto scaling group reads its launch template),
 * - yield several workloads from one resource (an AKS cluster's `agentPoolProfiles`),
 * - absorb resources so that they are not priced twice (the launch template an ASG uses).
 */
export interface ResourceKind {
  cloud: Cloud;
  /** Pulumi type tokens (azure-native without API version). */
  types: readonly string[];
  read(ctx: KindContext): KindResult;
  /** Set by `singleResourceKind`: reads the resource alone (never `find` / `ofType`), one workload at most. */
  readsOneResource?: true;
}

/** Another resource of the same stack, as a kind sees it. */
export interface StackPeer {
  urn: string;
  type: string;
  props: Record<string, unknown>;
}

export interface KindContext extends ResourceContext {
  /**
   * Finds another resource of the stack by URN, `id`, `name`, `selfLink` or `arn` output (and,
   * when `type` is given, of that type). Undefined when the stack holds no such resource
   * (a policy check sees one resource at a time, or the reference is to something outside).
   */
  find(ref: string, type?: string): StackPeer | undefined;
  /** Every resource of the stack of one type (empty in a policy check of one resource). */
  ofType(type: string): readonly StackPeer[];
  /** True when a child resource of this one is itself sized (a component whose node group is in state). */
  hasSizedChildren: boolean;
  /** The type token as the stack declares it (azure-native: with its API version, which `type` drops). */
  declaredType?: string;
}

export interface KindResult {
  workloads: Workload[];
  /** Parts that cannot be read, with the reason (`suffix` names the part, e.g. an agent pool profile). */
  skipped: { suffix?: string; reason: string }[];
  /** URNs of resources this one accounts for (not to be priced on their own). */
  consumes: string[];
}

export const emptyResult = (): KindResult => ({ workloads: [], skipped: [], consumes: [] });

/**
 * A kind that reads one resource into one workload, or says why it cannot (VMs, templates,
 * databases, scale sets): `read` sees only the resource itself.
 */
export function singleResourceKind(spec: { cloud: Cloud; types: readonly string[]; read(ctx: ResourceContext): ReadResult }): ResourceKind {
  return {
    cloud: spec.cloud,
    types: spec.types,
    readsOneResource: true,
    read: (ctx) => {
      // Workloads keep the type token as declared (as the per-resource handlers always did).
      const found = spec.read({ ...ctx, type: ctx.declaredType ?? ctx.type });
      return 'skip' in found ? skipOnly(found.skip) : { workloads: [found.workload], skipped: [], consumes: [] };
    },
  };
}

export function skipOnly(reason: string): KindResult {
  return { workloads: [], skipped: [{ reason }], consumes: [] };
}

/**
 * A node count at `path`: a number, or the reason it cannot be read. An unresolved output
 * (preview unknown) or a secret is never guessed.
 */
export function readCount(
  props: Record<string, unknown>,
  path: readonly string[],
): { count: number } | { skip: string } | { missing: true } {
  const field = path.join('.');
  const found = lookup(props, path);
  if (found.kind === 'unknown') return { skip: `node count (${field}) is an unresolved output (unknown until apply)` };
  if (found.kind === 'secret') return { skip: `node count (${field}) is a secret: not read` };
  if (found.kind === 'missing') return { missing: true };
  const count = numberAt(props, path);
  if (count === undefined || !Number.isInteger(count) || count < 0)
    return { skip: `node count (${field}) is not a whole number: ${JSON.stringify(found.value)}` };
  return { count };
}

/** An optional bound (min/max); unknown or unreadable bounds are left out rather than guessed. */
export function optionalCount(props: Record<string, unknown>, path: readonly string[]): number | undefined {
  const found = readCount(props, path);
  return 'count' in found ? found.count : undefined;
}

/** The pool fields, without undefined entries (clean equality and JSON). */
export function poolInfo(info: PoolInfo): PoolInfo {
  const out = { ...info } as Record<string, unknown>;
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out as unknown as PoolInfo;
}

/** The size a pool runs, read like `readSize` but from any path and for a list's first entry. */
export function stringOrFirst(
  props: Record<string, unknown>,
  path: readonly string[],
): { value: string } | { skip: string } | { missing: true } {
  const field = path.join('.');
  const found = lookup(props, path);
  if (found.kind === 'unknown') return { skip: `instance type (${field}) is unknown during preview` };
  if (found.kind === 'secret') return { skip: `instance type (${field}) is a secret: not read` };
  if (found.kind === 'missing') return { missing: true };
  if (typeof found.value === 'string') return { value: found.value };
  if (Array.isArray(found.value)) {
    const first: unknown = found.value[0];
    if (first === undefined) return { missing: true };
    if (typeof first !== 'string' || isUnknown(first) || isSecret(first))
      return { skip: `instance type (${field}[0]) is not a known string` };
    return { value: first };
  }
  return { skip: `instance type (${field}) is not a string` };
}

/**
 * The object entries of a list property (`agentPoolProfiles`, `versions`), each to be read with
 * `lookup` on its own: `lookup` does not walk into lists.
 */
export function objectsAt(
  props: Record<string, unknown>,
  path: readonly string[],
): { items: Record<string, unknown>[] } | { skip: string } | { missing: true } {
  const field = path.join('.');
  const found = lookup(props, path);
  if (found.kind === 'unknown') return { skip: `${field} is unknown during preview` };
  if (found.kind === 'secret') return { skip: `${field} is a secret: not read` };
  if (found.kind === 'missing' || !Array.isArray(found.value)) return { missing: true };
  const items: Record<string, unknown>[] = [];
  for (const [index, item] of found.value.entries()) {
    if (isUnknown(item) || isSecret(item) || typeof item !== 'object' || item === null)
      return { skip: `${field}[${index}] is not readable` };
    items.push(item as Record<string, unknown>);
  }
  return { items };
}
