import type { PolicyProviderResource, PolicyResource, ResourceValidationArgs } from '@pulumi/policy';
import { loadCatalog, type Catalog } from '../catalog';
import { cloudOfPackage } from '../clouds';
import { StackfitError } from '../model';
import { resolveUserPath } from './baseline';
import { createPriceBooks, type PriceBookConfig, type PricedView } from './price-book';
import { assess, type Assessment } from './pricing';
import { nameFromUrn } from '../stack/values';
import { providerRegion, workloadFromResource } from '../stack/workload';
import { isSizedType, kindFor, normalizeResourceType } from '../clouds';
import { launchTemplate } from '../clouds/aws/launch-template';
import { gcpInstanceTemplate } from '../clouds/gcp/instance-template';
import { NO_PEERS, PeerIndex, readWithKind } from '../stack/kinds';

/**
 * The only place that knows CrossGuard's argument shapes: it turns policy args into the
 * inventory's ResourceInput and prices them. Everything else is in src/policy.
 */

// Internal to @pulumi/policy (not in its typings): the proxy's escape hatch and its unknown error.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxy = require('@pulumi/policy/proxy') as {
  getSpecialProxyTarget: string;
  unknownStringValue: string;
  UnknownValueError: new (sentinel: string, props: string[]) => Error;
};

/** The plain properties behind CrossGuard's unknown-checking proxy (unknowns stay as Pulumi's sentinel). */
export function rawProps(props: unknown): Record<string, unknown> {
  if (props === null || typeof props !== 'object') return {};
  const target = (props as Record<string, unknown>)[proxy.getSpecialProxyTarget];
  return (target ?? props) as Record<string, unknown>;
}

/**
 * The error the policy framework turns into an advisory "can't run policy … during preview:
 * <message>" instead of a pass or a crash.
 */
export function unknownDuringPreview(message: string): Error {
  const err = new proxy.UnknownValueError(proxy.unknownStringValue, []);
  err.message = message;
  return err;
}

/** The stack config the CLI gives the pack (PULUMI_CONFIG), structured values decoded. */
function readStackConfig(): Record<string, unknown> {
  const text = process.env.PULUMI_CONFIG;
  if (!text) return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StackfitError('PULUMI_CONFIG is not valid JSON', 'environment');
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries((json ?? {}) as Record<string, unknown>)) {
    if (typeof v === 'string' && /^[[{]/.test(v)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // A plain string that happens to start with a bracket.
      }
    }
    out[k] = v;
  }
  return out;
}

export interface PackContext {
  /** At list prices. */
  catalog: Catalog;
  stackConfig: Record<string, unknown>;
  /** The catalog at the price book a policy's config gives (`pricing` / `stackfitConfigPath`); built once per book. */
  priced: (cfg: PriceBookConfig) => PricedView;
}

let context: PackContext | undefined;

/** Loaded once at start-up: the catalog (or STACKFIT_CATALOG_DIR) and the stack config. */
export function packContext(): PackContext {
  if (!context) {
    const dir = process.env.STACKFIT_CATALOG_DIR || undefined;
    const priced = createPriceBooks(
      (overlayDir) => loadCatalog(dir, overlayDir === undefined ? undefined : { overlayDir }),
      resolveUserPath,
    );
    context = { catalog: priced({}).catalog, stackConfig: readStackConfig(), priced };
  }
  return context;
}

/**
 * The region a provider falls back to from the environment when neither its inputs nor stack
 * config set one: the pack runs with the CLI's environment, so `AWS_REGION` (set by
 * configure-aws-credentials) is where the resources go. Same variables, same order as the
 * providers' own config (pulumi-aws `region`, pulumi-gcp `region` / `zone`).
 */
export function envRegionConfig(pkg: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const first = (...names: string[]) => names.map((n) => env[n]).find((v): v is string => typeof v === 'string' && v.trim() !== '');
  switch (cloudOfPackage(pkg)) {
    case 'aws': {
      const region = first('AWS_REGION', 'AWS_DEFAULT_REGION');
      return region ? { 'aws:region': region } : {};
    }
    case 'gcp': {
      const region = first('GOOGLE_REGION', 'GCLOUD_REGION', 'CLOUDSDK_COMPUTE_REGION');
      const zone = first('GOOGLE_ZONE', 'GCLOUD_ZONE', 'CLOUDSDK_COMPUTE_ZONE');
      return { ...(region ? { [`${pkg}:region`]: region } : {}), ...(zone ? { [`${pkg}:zone`]: zone } : {}) };
    }
    default:
      // azure-native reads its location from config only.
      return {};
  }
}

function regionOf(type: string, provider: PolicyProviderResource | undefined, stackConfig: Record<string, unknown>): string | undefined {
  // Without a provider the default provider of the type's package applies: it reads stack config.
  const providerType = provider?.type ?? `pulumi:providers:${type.split(':')[0]}`;
  const pkg = providerType.slice('pulumi:providers:'.length);
  // Stack config wins over the environment, as in the providers.
  const config = { ...envRegionConfig(pkg), ...stackConfig };
  return providerRegion(providerType, provider ? rawProps(provider.props) : {}, config);
}

function assessOne(
  urn: string,
  type: string,
  props: unknown,
  parentUrn: string | undefined,
  provider: PolicyProviderResource | undefined,
  view: PricedView,
): Assessment {
  const { stackConfig } = packContext();
  const region = regionOf(type, provider, stackConfig);
  const result = workloadFromResource({
    urn,
    type,
    props: rawProps(props),
    ...(parentUrn ? { parentUrn } : {}),
    ...(region ? { providerRegion: region } : {}),
    stackConfig,
  });
  return assess(result, view.catalog, nameFromUrn(urn), view.note);
}

/**
 * Every policy of one Analyze / AnalyzeStack call reads the same resource (the framework hands
 * each policy its own copy): assess it once per call. The memo lives until the event loop turns,
 * i.e. for the one RPC being served; the key includes the phase (inputs vs outputs).
 */
let memo: Map<string, unknown> | undefined;
function memoized<T>(key: string, compute: () => T): T {
  if (!memo) {
    memo = new Map();
    setImmediate(() => {
      memo = undefined;
    });
  }
  let hit = memo.get(key) as T | undefined;
  if (hit === undefined) memo.set(key, (hit = compute()));
  return hit;
}

/** The resource priced with `view` (policies with different price books get different assessments). */
export function assessResourceArgs(args: ResourceValidationArgs, view: PricedView): Assessment {
  return memoized(`analyze\0${view.id}\0${args.urn}`, () =>
    assessOne(args.urn, args.type, args.props, args.opts.parent, args.provider, view),
  );
}

export function assessStackResource(r: PolicyResource, view: PricedView): Assessment {
  return memoized(`stack\0${view.id}\0${r.urn}`, () => assessOne(r.urn, r.type, r.props, r.parent?.urn ?? r.opts.parent, r.provider, view));
}

/**
 * Every resource of a stack check assessed, with the whole stack in view: node pools and groups
 * (registered kinds, src/clouds/registry.ts) find their launch template or cluster, a template a
 * group accounts for is not priced again, and one resource may yield several pools (an AKS
 * cluster's profiles). Other resources are assessed as `assessStackResource` does.
 */
export function assessStackResources(resources: readonly PolicyResource[], view: PricedView): [PolicyResource, Assessment][] {
  const parentOf = (r: PolicyResource): string | undefined => r.parent?.urn ?? r.opts.parent;
  // Kinds that read other resources or yield several workloads; the rest are assessed one by one.
  const kinds = resources.filter((r) => kindFor(r.type) && !kindFor(r.type)!.readsOneResource);
  if (kinds.length === 0) return resources.map((r) => [r, assessStackResource(r, view)]);
  const { stackConfig } = packContext();
  const peers = new PeerIndex(resources.map((r) => ({ urn: r.urn, type: r.type, props: rawProps(r.props) })));
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const sizedAncestors = new Set<string>();
  for (const r of resources) {
    if (!isSizedType(r.type)) continue;
    for (let p = parentOf(r); p && !sizedAncestors.has(p); p = byUrn.get(p) ? parentOf(byUrn.get(p)!) : undefined) sizedAncestors.add(p);
  }
  const consumed = new Set<string>();
  const fromKinds = new Map<string, Assessment[]>();
  for (const r of kinds) {
    const region = regionOf(r.type, r.provider, stackConfig);
    const out = readWithKind({
      urn: r.urn,
      type: r.type,
      props: rawProps(r.props),
      ...(region ? { providerRegion: region } : {}),
      stackConfig,
      peers,
      hasSizedChildren: sizedAncestors.has(r.urn),
    });
    for (const urn of out?.consumes ?? []) consumed.add(urn);
    fromKinds.set(
      r.urn,
      (out?.results ?? []).map((result) =>
        assess(result, view.catalog, nameFromUrn('workload' in result ? result.workload.urn : r.urn), view.note),
      ),
    );
  }
  const out: [PolicyResource, Assessment][] = [];
  for (const r of resources) {
    if (consumed.has(r.urn)) continue;
    const assessed = fromKinds.get(r.urn);
    if (assessed) for (const a of assessed) out.push([r, a]);
    else out.push([r, assessStackResource(r, view)]);
  }
  return out;
}

/**
 * Templates: one instance's shape. A group that launches one accounts for it (its nodes are
 * checked and priced under the group's name), which only the whole stack shows; so a template is
 * checked at stack analysis, through its group or, when no group in the stack uses it, alone.
 */
const TEMPLATE_TYPES: ReadonlySet<string> = new Set([...launchTemplate.types, ...gcpInstanceTemplate.types]);

/**
 * What the per-resource checks make of one resource seen alone (Analyze): every workload it
 * yields (each `agentPoolProfiles` entry of an AKS cluster, an EKS node group, a GKE pool), or
 * `stack` when only the rest of the stack can say what it runs: a template, and a group whose node
 * type or region comes from another resource (an ASG's launch template, a MIG's instance
 * template, an AKS agent pool's cluster). Those are checked in AnalyzeStack
 * (`assessStackChecked`), reported under the group's own URN.
 */
export type AloneAssessment = { phase: 'analyze'; assessments: Assessment[] } | { phase: 'stack'; reason: string };

function assessAlone(
  urn: string,
  type: string,
  props: unknown,
  parentUrn: string | undefined,
  provider: PolicyProviderResource | undefined,
  view: PricedView,
): AloneAssessment {
  const name = nameFromUrn(urn);
  if (TEMPLATE_TYPES.has(normalizeResourceType(type)))
    return {
      phase: 'stack',
      reason: `${name}: a template is checked at stack analysis, as the node type of the group that launches it (alone when no group in the stack does)`,
    };
  const kind = kindFor(type);
  if (!kind || kind.readsOneResource) return { phase: 'analyze', assessments: [assessOne(urn, type, props, parentUrn, provider, view)] };
  const { stackConfig } = packContext();
  const region = regionOf(type, provider, stackConfig);
  let readPeers = false;
  const out = readWithKind({
    urn,
    type,
    props: rawProps(props),
    ...(region ? { providerRegion: region } : {}),
    stackConfig,
    // Seen alone there are no peers; a kind that asks for one may need the stack to be read right.
    peers: () => {
      readPeers = true;
      return NO_PEERS;
    },
  });
  const results = out?.results ?? [];
  if (readPeers && results.some((r) => 'skipped' in r || !r.workload.region))
    return {
      phase: 'stack',
      reason: `${name}: its node type or region comes from another resource of the stack (launch template, cluster): checked at stack analysis`,
    };
  return {
    phase: 'analyze',
    assessments: results.map((r) => assess(r, view.catalog, nameFromUrn('workload' in r ? r.workload.urn : urn), view.note)),
  };
}

/** Every workload of the resource for the per-resource checks, or `stack` (see AloneAssessment). */
export function assessResourceAlone(args: ResourceValidationArgs, view: PricedView): AloneAssessment {
  // Read once per Analyze call, whichever per-resource policies ask (as assessResourceArgs).
  return memoized(`alone\0${view.id}\0${args.urn}`, () =>
    assessAlone(args.urn, args.type, args.props, args.opts.parent, args.provider, view),
  );
}

/**
 * The per-resource checks' share of AnalyzeStack: the resources `assessResourceAlone` leaves to
 * the stack, assessed with the whole stack in view (a template a group launches is not there on
 * its own: it is the group's node type). Empty when the stack has none.
 */
export function stackCheckedResources(resources: readonly PolicyResource[]): PolicyResource[] {
  const list = packContext().priced({});
  return resources.filter((r) => {
    if (TEMPLATE_TYPES.has(normalizeResourceType(r.type))) return true;
    const kind = kindFor(r.type);
    if (!kind || kind.readsOneResource) return false;
    return assessAlone(r.urn, r.type, r.props, r.parent?.urn ?? r.opts.parent, r.provider, list).phase === 'stack';
  });
}

export function assessStackChecked(resources: readonly PolicyResource[], view: PricedView): [PolicyResource, Assessment][] {
  const checked = new Set(stackCheckedResources(resources).map((r) => r.urn));
  if (checked.size === 0) return [];
  return assessStackResources(resources, view).filter(([r]) => checked.has(r.urn));
}
