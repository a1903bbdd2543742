import { READ_LIMITS, readTextBounded } from '../bounded-read';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { z } from 'zod';
import { StackfitError, type InstanceMetricIds, type Inventory, type SkippedResource, type Workload } from '../model';
import {
  SUPPORTED_DEPLOYMENT_VERSIONS,
  checkpointSchema,
  previewSchema,
  stackExportSchema,
  type Deployment,
  type ResourceState,
  type Preview,
} from './schema';
import { isOtherBilledType, isSizedType, kindFor } from '../clouds';
import { PeerIndex, readWithKind } from './kinds';
import { layeredProps, mergeProps, nameFromUrn, providerUrnFromRef, stackAndProjectFromUrn } from './values';
import type { GroupingRule } from '../config/schema';
import { decorateWorkload, providerRegion, workloadFromResource } from './workload';

export interface InventoryOptions {
  /** Stack name to record (default: from the resources' URNs). */
  stack?: string;
  /** The stack's config (`ns:key` → value), for default providers' region / project / zone. */
  stackConfig?: Record<string, unknown>;
  /** For `pulumi preview --json`: the state after the preview (default) or before it (for cost diffs). */
  previewSide?: 'old' | 'new';
  /** stackfit.yaml `grouping:`: component types whose sized children are one workload. */
  grouping?: readonly GroupingRule[];
}

/** A resource as every reader hands it to `inventoryFromResources`. */
export interface StackResource {
  urn: string;
  type: string;
  inputs?: Record<string, unknown> | null;
  outputs?: Record<string, unknown> | null;
  parent?: string | null;
  /** Provider reference `<provider urn>::<provider id>`. */
  provider?: string | null;
}

export type InventoryFormat = 'stack-export' | 'checkpoint' | 'preview';

/**
 * Builds the inventory from a list of resources (state, preview or a mocked program run): one
 * workload per sized resource, with the components `grouping:` names collapsed to one workload
 * each. `deleted` are resources a preview deletes: reported as skipped when they are sized.
 */
export function inventoryFromResources(
  resources: readonly StackResource[],
  source: string,
  opts: InventoryOptions & { deleted?: readonly StackResource[] } = {},
): Inventory {
  const stackConfig = opts.stackConfig ?? {};
  const byUrn = new Map<string, StackResource>();
  for (const res of resources) byUrn.set(res.urn, res);

  const regionOfProvider = new Map<string, string | undefined>();
  const regionFor = (ref: string | null | undefined): string | undefined => {
    if (!ref) return undefined;
    const urn = providerUrnFromRef(ref);
    if (!regionOfProvider.has(urn)) {
      const provider = byUrn.get(urn);
      // A default provider missing from the list (preview JSON omits it) reads stack config.
      const type = provider?.type ?? urn.split('::')[2] ?? '';
      regionOfProvider.set(
        urn,
        providerRegion(type, mergeProps(provider?.outputs ?? undefined, provider?.inputs ?? undefined), stackConfig),
      );
    }
    return regionOfProvider.get(urn);
  };

  type Result = { res: StackResource } & ({ workload: Workload } | { skipped: SkippedResource });
  const results: Result[] = [];
  // Kinds that look at the rest of the stack (node pools, groups) get the peer index, built on first use.
  let peers: PeerIndex | undefined;
  const peerIndex = (): PeerIndex =>
    (peers ??= new PeerIndex(resources.map((r) => ({ urn: r.urn, type: r.type, props: layeredProps(r.outputs, r.inputs) }))));
  let sizedAncestors: Set<string> | undefined;
  const consumed = new Set<string>();
  for (const res of resources) {
    // Most resources carry no size: skip them before building anything.
    if (!isSizedType(res.type)) continue;
    const region = regionFor(res.provider);
    // Only kinds that read more than the resource itself ask whether a child is sized.
    const alone = kindFor(res.type)?.readsOneResource === true;
    const props = layeredProps(res.outputs, res.inputs);
    const out = readWithKind({
      urn: res.urn,
      type: res.type,
      props,
      ...(region ? { providerRegion: region } : {}),
      stackConfig,
      peers: peerIndex,
      hasSizedChildren: !alone && (sizedAncestors ??= ancestorsOfSized(resources, byUrn)).has(res.urn),
    });
    const input = { urn: res.urn, type: res.type, props, ...(res.parent ? { parentUrn: res.parent } : {}) };
    for (const found of out?.results ?? [])
      results.push('workload' in found ? { res, workload: decorateWorkload(found.workload, input) } : { res, ...found });
    for (const urn of out?.consumes ?? []) consumed.add(urn);
  }

  const workloads: Workload[] = [];
  const skipped: SkippedResource[] = [];
  const byComponent = new Map<string, Result[]>();
  const groupingFor = new Map((opts.grouping ?? []).map((rule) => [rule.componentType, rule]));
  for (const result of results) {
    // A launch template / instance template a group accounts for is not priced on its own.
    if (consumed.has(result.res.urn)) continue;
    const parent = result.res.parent ? byUrn.get(result.res.parent) : undefined;
    if (parent && 'workload' in result && result.workload.pool && !groupingFor.has(parent.type)) {
      // A pool's component may record where each pool's settings live (`configKey` + `configPaths`).
      workloads.push(withPoolConfigRef(result.workload, parent));
    } else if (parent && groupingFor.has(parent.type)) {
      const siblings = byComponent.get(parent.urn) ?? [];
      siblings.push(result);
      byComponent.set(parent.urn, siblings);
    } else if ('workload' in result) {
      workloads.push(result.workload);
    } else {
      skipped.push(result.skipped);
    }
  }
  for (const [componentUrn, children] of byComponent) {
    const component = byUrn.get(componentUrn);
    const rule = component && groupingFor.get(component.type);
    if (!component || !rule) continue;
    const collapsed = collapseComponent(component, children, rule);
    if ('workload' in collapsed) workloads.push(collapsed.workload);
    else skipped.push(collapsed.skipped);
  }
  for (const res of opts.deleted ?? []) {
    if (!isSizedType(res.type)) continue;
    const found = workloadFromResource({ urn: res.urn, type: res.type, props: layeredProps(res.outputs, res.inputs) });
    if (found) skipped.push({ urn: res.urn, type: res.type, reason: 'deleted by this preview' });
  }

  // Report in the order the stack declares things (a component comes before its VMs).
  const order = new Map(resources.map((res, index) => [res.urn, index]));
  // Pools of one resource (an AKS cluster's profiles) have URNs of their own: place them by their resource.
  const resourceOf = new Map<Workload, string>();
  for (const result of results) if ('workload' in result) resourceOf.set(result.workload, result.res.urn);
  const rank = (w: Workload): number => order.get(w.urn) ?? order.get(resourceOf.get(w) ?? '') ?? 0;
  workloads.sort((a, b) => rank(a) - rank(b));

  // Custom resources (they have a provider) stackfit does not size; grouping components are not billed.
  const otherResources = resources.filter((r) => r.provider && isOtherBilledType(r.type) && !groupingFor.has(r.type)).map((r) => r.urn);

  const firstUrn = resources[0]?.urn ?? opts.deleted?.[0]?.urn;
  const fromUrn = firstUrn ? stackAndProjectFromUrn(firstUrn) : {};
  const stack = opts.stack ?? fromUrn.stack;
  return {
    source,
    ...(fromUrn.project ? { project: fromUrn.project } : {}),
    ...(stack ? { stack } : {}),
    workloads: stack ? workloads.map((w) => ({ ...w, stack })) : workloads,
    skipped,
    ...(otherResources.length ? { otherResources } : {}),
  };
}

/** URNs of resources that have a sized descendant (a component whose node group is in state). */
function ancestorsOfSized(resources: readonly StackResource[], byUrn: ReadonlyMap<string, StackResource>): Set<string> {
  const out = new Set<string>();
  for (const res of resources) {
    if (!isSizedType(res.type)) continue;
    let parent = res.parent ?? undefined;
    while (parent && !out.has(parent)) {
      out.add(parent);
      parent = byUrn.get(parent)?.parent ?? undefined;
    }
  }
  return out;
}

const poolConfigSchema = z.object({
  configKey: z.string().min(1),
  configPaths: z.record(z.string(), z.array(z.union([z.string(), z.number()])).min(1)),
});

/**
 * A node pool whose parent component records `configKey` and `configPaths` (by pool name) among
 * its args or outputs (the example project's `infra/cluster.ts` does) gets that config reference,
 * so its type and counts are edited in config; any project's component can do the same.
 */
function withPoolConfigRef(workload: Workload, component: StackResource): Workload {
  const parsed = poolConfigSchema.safeParse(mergeProps(component.outputs ?? undefined, component.inputs ?? undefined));
  const path = parsed.success && workload.pool?.poolName !== undefined ? parsed.data.configPaths[workload.pool.poolName] : undefined;
  return parsed.success && path ? { ...workload, configRef: { key: parsed.data.configKey, path } } : workload;
}

/** What a grouped component may record about itself (its args, or its registered outputs): where its settings are. */
const componentConfigSchema = z.object({
  group: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  configKey: z.string().min(1).optional(),
  configPath: z
    .array(z.union([z.string(), z.number()]))
    .min(1)
    .optional(),
});

/** One workload for one grouped component: its VMs' size and place, `count` = number of VMs. */
function collapseComponent(
  component: StackResource,
  children: readonly ({ res: StackResource } & ({ workload: Workload } | { skipped: SkippedResource }))[],
  rule: GroupingRule,
): { workload: Workload } | { skipped: SkippedResource } {
  const name = nameFromUrn(component.urn);
  const firstSkip = children.find((child) => 'skipped' in child);
  if (firstSkip && 'skipped' in firstSkip) {
    return {
      skipped: {
        urn: component.urn,
        type: component.type,
        reason: `${nameFromUrn(firstSkip.res.urn)}: ${firstSkip.skipped.reason}`,
      },
    };
  }
  const vms = children.flatMap((child) => ('workload' in child ? [child.workload] : []));
  const first = vms[0];
  if (!first) return { skipped: { urn: component.urn, type: component.type, reason: 'component has no VMs' } };
  const sizes = [...new Set(vms.map((vm) => `${vm.cloud}/${vm.region ?? '?'}/${vm.size}`))];
  if (sizes.length > 1) {
    return { skipped: { urn: component.urn, type: component.type, reason: `VMs differ in place or size: ${sizes.join(', ')}` } };
  }
  const parsed = componentConfigSchema.safeParse(mergeProps(component.outputs ?? undefined, component.inputs ?? undefined));
  const meta = parsed.success ? parsed.data : {};
  const project = stackAndProjectFromUrn(component.urn).project;
  const ruleKey =
    rule.configKey &&
    (rule.configKey.includes('{project}') ? (project ? rule.configKey.replaceAll('{project}', project) : undefined) : rule.configKey);
  const configKey = meta.configKey ?? ruleKey;
  const sizePath = meta.configPath ?? rule.sizePath.map((part) => part.replaceAll('{name}', name));
  const zones = new Set(vms.map((vm) => vm.zone));
  const group = meta.group ?? first.group;
  const region = first.region ?? meta.region;
  const { awsInstanceId, awsDbInstanceId, azureResourceId, gcpInstanceId, gcpProject, gcpZone, hostname } = first.metricIds;
  const workload: Workload = {
    urn: component.urn,
    name,
    type: first.type,
    kind: first.kind,
    cloud: first.cloud,
    ...(region ? { region } : {}),
    ...(zones.size === 1 && first.zone ? { zone: first.zone } : {}),
    size: first.size,
    count: vms.length,
    ...(group ? { group } : {}),
    metricIds: {
      name,
      // Per-instance ids only identify the workload when there is one instance.
      ...(vms.length === 1 ? { awsInstanceId, awsDbInstanceId, azureResourceId, gcpInstanceId, gcpZone, hostname } : {}),
      gcpProject,
      ...(vms.length > 1 ? instanceIds(vms) : {}),
    },
    ...(configKey ? { configRef: { key: configKey, path: sizePath } } : {}),
    // A count set next to the size (`countKey`) makes the count a decision.
    ...(configKey && rule.countKey ? { countRef: { key: configKey, path: [...sizePath.slice(0, -1), rule.countKey] } } : {}),
    ...(first.diskGiB !== undefined ? { diskGiB: first.diskGiB } : {}),
    ...(first.stack ? { stack: first.stack } : {}),
  };
  // Drop the undefined ids spread in above so that equality checks and JSON stay clean.
  for (const key of Object.keys(workload.metricIds) as (keyof typeof workload.metricIds)[]) {
    if (workload.metricIds[key] === undefined) delete workload.metricIds[key];
  }
  return { workload };
}

/** Each VM's ids, for sources that read every instance of a workload (none when no VM has any). */
function instanceIds(vms: readonly Workload[]): { instances?: InstanceMetricIds[] } {
  const instances = vms.map(({ metricIds }) => {
    const { awsInstanceId, awsDbInstanceId, azureResourceId, gcpInstanceId, gcpProject, gcpZone, hostname } = metricIds;
    const ids: InstanceMetricIds = { awsInstanceId, awsDbInstanceId, azureResourceId, gcpInstanceId, gcpProject, gcpZone, hostname };
    for (const key of Object.keys(ids) as (keyof InstanceMetricIds)[]) if (ids[key] === undefined) delete ids[key];
    return ids;
  });
  // A project or zone alone names no machine: only an id or a host name does.
  const identified = instances.some(
    (ids) => ids.awsInstanceId ?? ids.awsDbInstanceId ?? ids.azureResourceId ?? ids.gcpInstanceId ?? ids.hostname,
  );
  return identified ? { instances } : {};
}

/** Which Pulumi format a parsed JSON document is. */
export function detectFormat(json: unknown): InventoryFormat | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const doc = json as Record<string, unknown>;
  if ('steps' in doc) return 'preview';
  if ('checkpoint' in doc) return 'checkpoint';
  if ('deployment' in doc) return 'stack-export';
  return undefined;
}

/**
 * A document with the top-level keys of two formats (`checkpoint` and `deployment`, say) is
 * ambiguous: reading it as one format would silently drop the other's resources.
 */
function refuseMixedFormats(json: unknown, source: string): void {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return;
  const keys = ['steps', 'checkpoint', 'deployment'].filter((key) => key in json);
  if (keys.length > 1) {
    throw new StackfitError(
      `has both ${keys.map((k) => `\`${k}\``).join(' and ')} at the top level: a Pulumi file is one of a stack export ({version, deployment}), a checkpoint ({version, checkpoint}) or a preview ({steps}); refusing to guess which part to read`,
      source,
    );
  }
}

/** `deployment.resources[3].type` from a zod issue path. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out || '(root)';
}

function parseWith<T extends z.ZodType>(schema: T, json: unknown, source: string, what: string): z.infer<T> {
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue ? formatIssuePath(issue.path) : '(root)';
    throw new StackfitError(`not a valid ${what}: ${where}: ${issue?.message ?? 'invalid'}`, source);
  }
  return result.data;
}

function checkVersion(version: number, source: string): void {
  if (!(SUPPORTED_DEPLOYMENT_VERSIONS as readonly number[]).includes(version)) {
    throw new StackfitError(
      `unsupported deployment version ${version}: stackfit reads versions ${SUPPORTED_DEPLOYMENT_VERSIONS.join(' and ')} (export the stack with a Pulumi CLI ≥ 3)`,
      source,
    );
  }
}

/**
 * The live resources of a deployment. `delete: true` marks the old copy of a replaced resource
 * (the live one has the same URN); two live entries with one URN make a corrupt state (Pulumi's
 * own import refuses it) that would count the resource, and its cost, twice: refused.
 */
function liveResources(deployment: Deployment | null | undefined, source: string, field: string): ResourceState[] {
  const seen = new Map<string, number>();
  const live: ResourceState[] = [];
  (deployment?.resources ?? []).forEach((res, index) => {
    if (res.delete === true) return;
    const first = seen.get(res.urn);
    if (first !== undefined) {
      throw new StackfitError(
        `${field}[${index}]: duplicate URN ${res.urn} (also ${field}[${first}]): a state lists each live resource once, so it is corrupt or two exports were merged`,
        source,
      );
    }
    seen.set(res.urn, index);
    live.push(res);
  });
  return live;
}

/** Ops whose `newState` is not a resource that will exist after the update. */
const OPS_WITHOUT_RESULT = new Set(['delete', 'delete-replaced', 'discard', 'discard-replaced', 'read-discard', 'remove-pending-replace']);

function previewResources(preview: Preview, side: 'old' | 'new'): { resources: ResourceState[]; deleted: ResourceState[] } {
  const byUrn = new Map<string, ResourceState>();
  const deleted: ResourceState[] = [];
  if (side === 'old') {
    // Before the preview: every step's old state (creates have none), first one per URN.
    for (const step of preview.steps) if (step.oldState && !byUrn.has(step.urn)) byUrn.set(step.urn, step.oldState);
    return { resources: [...byUrn.values()], deleted };
  }
  for (const step of preview.steps) {
    if (step.op === 'delete') {
      if (step.oldState) deleted.push(step.oldState);
      continue;
    }
    if (OPS_WITHOUT_RESULT.has(step.op) || !step.newState) continue;
    // A replace shows up as several steps for one URN; the last state is the one that stays.
    byUrn.set(step.urn, step.newState);
  }
  return { resources: [...byUrn.values()], deleted };
}

/** The resources of a Pulumi document, whatever its format: what the inventory and the policy harness read. */
export interface StackDocument {
  format: InventoryFormat;
  /** Live resources (state), or the state after (or before) a preview; full state records. */
  resources: ResourceState[];
  /** Resources a preview deletes. */
  deleted: ResourceState[];
  /** Stack name recorded in a checkpoint file. */
  stack?: string;
  /** A preview's stack config. */
  config?: Record<string, unknown>;
}

/**
 * Validates a parsed `pulumi stack export` (v3/v4), DIY checkpoint, Pulumi Cloud export or
 * `pulumi preview --json` document and selects its resources. Pure; errors name the field.
 */
export function parseStackDocument(json: unknown, source: string, previewSide: 'old' | 'new' = 'new'): StackDocument {
  refuseMixedFormats(json, source);
  switch (detectFormat(json)) {
    case 'stack-export': {
      const doc = parseWith(stackExportSchema, json, source, 'stack export');
      checkVersion(doc.version, source);
      return { format: 'stack-export', resources: liveResources(doc.deployment, source, 'deployment.resources'), deleted: [] };
    }
    case 'checkpoint': {
      const doc = parseWith(checkpointSchema, json, source, 'checkpoint file');
      checkVersion(doc.version, source);
      const stack = doc.checkpoint.stack ? doc.checkpoint.stack.split('/').pop() : undefined;
      return {
        format: 'checkpoint',
        resources: liveResources(doc.checkpoint.latest, source, 'checkpoint.latest.resources'),
        deleted: [],
        ...(stack ? { stack } : {}),
      };
    }
    case 'preview': {
      const doc = parseWith(previewSchema, json, source, 'preview JSON');
      return { format: 'preview', ...previewResources(doc, previewSide), ...(doc.config ? { config: doc.config } : {}) };
    }
    default:
      throw new StackfitError(
        'not a Pulumi stack file: expected `pulumi stack export` output ({version, deployment}), a checkpoint file ({version, checkpoint}) or `pulumi preview --json` output ({steps})',
        source,
      );
  }
}

/**
 * Reads a parsed Pulumi document — `pulumi stack export` (v3/v4), a DIY checkpoint file, a
 * Pulumi Cloud export response, or `pulumi preview --json` — into an inventory. Pure.
 */
export function parseInventory(json: unknown, source: string, opts: InventoryOptions = {}): Inventory {
  const doc = parseStackDocument(json, source, opts.previewSide);
  const stack = opts.stack ?? doc.stack;
  return inventoryFromResources(doc.resources, source, {
    ...opts,
    ...(stack ? { stack } : {}),
    ...(doc.format === 'preview' && { stackConfig: opts.stackConfig ?? doc.config ?? {} }),
    deleted: doc.deleted,
  });
}

/** Line and column (1-based) of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Deepest nesting of objects/arrays stackfit reads in Pulumi JSON. Real state nests property
 * values a few dozen levels at most; the readers after JSON.parse (zod, secret decoding, the
 * policy harness) recurse, and 100k nested arrays overflowed the stack (issue 13).
 */
export const MAX_JSON_DEPTH = 512;

/** Offset of the first `[`/`{` that opens level `maxDepth + 1`, skipping strings; -1 if none. Linear. */
export function tooDeepAt(text: string, maxDepth: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      // Skip the string: a backslash escapes the next character.
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 92 /* \ */) i++;
        else if (s === 34) break;
      }
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > maxDepth) return i;
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
    }
  }
  return -1;
}

/** Refuses JSON text nested deeper than MAX_JSON_DEPTH, naming the file, line and column. */
export function checkJsonDepth(text: string, source: string): void {
  const deep = tooDeepAt(text, MAX_JSON_DEPTH);
  if (deep === -1) return;
  const { line, column } = lineColumn(text, deep);
  throw new StackfitError(
    `JSON nested more than ${MAX_JSON_DEPTH} levels deep at line ${line}, column ${column}: not a Pulumi state or preview`,
    source,
  );
}

/**
 * Offset and value of the first key repeated within one JSON object (skipping strings; keys
 * compared decoded, so `"a"` and `"\\u0061"` are the same). Linear. JSON.parse keeps the last
 * of duplicates silently: a second `"deployment": {"resources": []}` read as an empty stack.
 */
export function duplicateKeyAt(text: string): { offset: number; key: string } | undefined {
  // One key set per open object; undefined for an open array.
  const scopes: (Set<string> | undefined)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 92 /* \ */) {
          i++;
          escaped = true;
        } else if (s === 34) break;
      }
      const keys = scopes[scopes.length - 1];
      if (!keys) continue;
      let j = i + 1;
      for (let w = text.charCodeAt(j); w === 32 || w === 9 || w === 10 || w === 13; w = text.charCodeAt(++j));
      if (text.charCodeAt(j) !== 58 /* : */) continue;
      const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
      if (keys.has(key)) return { offset: start, key };
      keys.add(key);
    } else if (c === 123 /* { */) scopes.push(new Set());
    else if (c === 91 /* [ */) scopes.push(undefined);
    else if (c === 93 /* ] */ || c === 125 /* } */) scopes.pop();
  }
  return undefined;
}

/** Refuses a JSON object with a key twice (see duplicateKeyAt), naming the file, line and column. */
function checkJsonDuplicateKeys(text: string, source: string): void {
  const dup = duplicateKeyAt(text);
  if (!dup) return;
  const { line, column } = lineColumn(text, dup.offset);
  throw new StackfitError(
    `invalid JSON at line ${line}, column ${column}: duplicate key ${JSON.stringify(dup.key)} in one object (JSON.parse would silently keep only the last; a Pulumi file has each key once)`,
    source,
  );
}

/** JSON.parse with errors that name the file, line and column; refuses nesting deeper than MAX_JSON_DEPTH. */
export function parseJsonText(text: string, source: string): unknown {
  if (text.trim() === '') throw new StackfitError('empty file: expected Pulumi JSON', source);
  try {
    const json: unknown = JSON.parse(text);
    checkJsonDepth(text, source);
    checkJsonDuplicateKeys(text, source);
    return json;
  } catch (err) {
    if (err instanceof StackfitError) throw err;
    // Node 20's JSON.parse does not always say where; jsonc-parser (strict mode) does.
    const errors: ParseError[] = [];
    parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    if (!first) throw new StackfitError(`invalid JSON: ${(err as Error).message}`, source);
    const { line, column } = lineColumn(text, first.offset);
    const what = printParseErrorCode(first.error)
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase();
    // A string or structure left open at the end of the text: the file was cut short.
    const end = text.trimEnd().length;
    const truncated = errors.some((e) => e.offset >= end || printParseErrorCode(e.error) === 'UnexpectedEndOfString')
      ? ' (the file ends early: truncated?)'
      : '';
    throw new StackfitError(`invalid JSON at line ${line}, column ${column}: ${what}${truncated}`, source);
  }
}

/** Reads and parses a Pulumi JSON file (state, checkpoint, preview), bounded in size. */
export function readStackJson(path: string): unknown {
  return parseJsonText(readTextBounded(path, READ_LIMITS.stateBytes, 'stack file'), path);
}

/** Reads a stack export / checkpoint / preview JSON file (format detected) into an inventory. */
export function readInventory(path: string, opts: InventoryOptions = {}): Inventory {
  return parseInventory(readStackJson(path), path, opts);
}
