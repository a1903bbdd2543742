import type { RegisteredResource } from '../stack/demo';
import { parseStackDocument, readStackJson } from '../stack/inventory';
import { nameFromUrn, providerUrnFromRef, stackAndProjectFromUrn } from '../stack/values';
import { fromStateValue } from './encode';
import type { HarnessProvider, HarnessResource } from './session';

export interface PolicyInputs {
  source: string;
  project?: string;
  stack?: string;
  resources: HarnessResource[];
  /**
   * A preview's own stack config (`aws:region` …) as the CLI hands it to a pack (PULUMI_CONFIG:
   * strings, structured values as JSON). Exports and checkpoints carry none.
   */
  config?: Record<string, string>;
}

interface RawResource {
  urn: string;
  type: string;
  inputs?: Record<string, unknown> | null;
  outputs?: Record<string, unknown> | null;
  parent?: string | null;
  provider?: string | null;
  dependencies?: string[] | null;
  propertyDependencies?: unknown;
  protect?: unknown;
}

function asRecord(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * Resources as the engine would show them to a policy pack: inputs for Analyze, outputs for
 * AnalyzeStack, each with its provider's inputs (looked up from the provider reference),
 * parent and dependencies. State secrets become wire secrets (encrypted ones: unknown).
 */
export function toHarnessResources(raw: readonly RawResource[]): HarnessResource[] {
  const byUrn = new Map(raw.map((r) => [r.urn, r]));
  // One provider serves many resources: decoded once and shared (a 9,400-VM export decoded its
  // provider's inputs 9,400 times).
  const providers = new Map<string, HarnessProvider>();
  const providerFor = (providerUrn: string): HarnessProvider => {
    let provider = providers.get(providerUrn);
    if (!provider) {
      const p = byUrn.get(providerUrn);
      provider = {
        urn: providerUrn,
        type: p?.type ?? providerUrn.split('::')[2] ?? 'pulumi:providers:unknown',
        name: nameFromUrn(providerUrn),
        inputs: asRecord(fromStateValue(p?.inputs ?? {})),
      };
      providers.set(providerUrn, provider);
    }
    return provider;
  };
  return raw.map((r) => {
    const out: HarnessResource = {
      urn: r.urn,
      type: r.type,
      name: nameFromUrn(r.urn),
      inputs: asRecord(fromStateValue(r.inputs ?? {})),
    };
    if (r.outputs) out.outputs = asRecord(fromStateValue(r.outputs));
    if (r.parent) out.parent = r.parent;
    if (r.dependencies?.length) out.dependencies = r.dependencies;
    const propDeps = asRecord(r.propertyDependencies);
    const deps: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(propDeps)) if (Array.isArray(v)) deps[k] = v.filter((u): u is string => typeof u === 'string');
    if (Object.keys(deps).length) out.propertyDependencies = deps;
    if (r.protect === true) out.protect = true;
    if (r.provider) out.provider = providerFor(providerUrnFromRef(r.provider));
    return out;
  });
}

function withIdentity(source: string, resources: HarnessResource[], config?: Record<string, string>): PolicyInputs {
  const first = resources.find((r) => r.urn.startsWith('urn:pulumi:'));
  const { stack, project } = first ? stackAndProjectFromUrn(first.urn) : {};
  return { source, ...(project ? { project } : {}), ...(stack ? { stack } : {}), resources, ...(config ? { config } : {}) };
}

/** Preview config values as PULUMI_CONFIG carries them: strings, structured values JSON-encoded. */
function asPulumiConfig(config: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

/** A `pulumi stack export` (v3/v4), DIY checkpoint or `pulumi preview --json` document → policy inputs. */
export function policyInputsFromJson(json: unknown, source: string): PolicyInputs {
  // The same validation and resource selection as the inventory (src/stack/inventory.ts).
  const doc = parseStackDocument(json, source);
  return withIdentity(source, toHarnessResources(doc.resources), doc.config ? asPulumiConfig(doc.config) : undefined);
}

export function readPolicyInputs(path: string): PolicyInputs {
  return policyInputsFromJson(readStackJson(path), path);
}

/** Resources a mocked program run registered (src/stack/demo.ts) → policy inputs (outputs = inputs, as in a preview of new resources). */
export function policyInputsFromProgram(registered: readonly RegisteredResource[], source: string): PolicyInputs {
  return withIdentity(
    source,
    toHarnessResources(
      registered.map((r) => ({
        urn: r.urn,
        type: r.type,
        inputs: r.inputs,
        ...(r.parent ? { parent: r.parent } : {}),
        ...(r.provider ? { provider: r.provider } : {}),
      })),
    ),
  );
}
