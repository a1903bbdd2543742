import type * as grpcTypes from '@grpc/grpc-js';
import type { AnalyzeResponse, AnalyzerInfo, AnalyzeStackRequest } from '@pulumi/pulumi/proto/analyzer_pb';
import { StackfitError } from '../model';
import {
  mergePolicyConfig,
  type EffectivePolicyConfig,
  type EnforcementLevelName,
  type PackInfoView,
  type PolicyInfoView,
  type PolicyPackConfigFile,
} from './config';
import { toStruct } from './encode';
import { launchPolicyPack, type LaunchedPack, type LaunchOptions } from './launch';
import { analyzerProto } from './proto';

/** A provider as the engine describes it to an analyzer: its type, URN, name and inputs. */
export interface HarnessProvider {
  urn: string;
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** One resource of a preview or a saved state, as the harness sends it. */
export interface HarnessResource {
  urn: string;
  type: string;
  /** Logical name; defaults to the last URN segment. */
  name?: string;
  /** Sent to `Analyze` (the engine analyzes inputs). */
  inputs: Record<string, unknown>;
  /** Sent to `AnalyzeStack` (the engine analyzes outputs); defaults to the inputs. */
  outputs?: Record<string, unknown>;
  parent?: string;
  provider?: HarnessProvider;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  protect?: boolean;
}

export type SeverityName = 'low' | 'medium' | 'high' | 'critical';

export interface PolicyDiagnostic {
  policyName: string;
  policyPackName: string;
  policyPackVersion: string;
  description: string;
  /** The message as the pack sends it (Pulumi prefixes the policy description). */
  message: string;
  /** The message without that prefix: what the policy itself said. */
  text: string;
  enforcementLevel: EnforcementLevelName;
  urn?: string;
  severity?: SeverityName;
  /** Which call produced it: per-resource `Analyze` or the final `AnalyzeStack`. */
  phase: 'analyze' | 'analyzeStack';
}

export interface NotApplicable {
  policyName: string;
  reason: string;
  urn?: string;
}

export interface PolicyRunResult {
  pack: { name: string; version: string };
  diagnostics: PolicyDiagnostic[];
  notApplicable: NotApplicable[];
  config: Record<string, EffectivePolicyConfig>;
  /** Resources not sent to per-resource `Analyze` (RunOptions.analyzes): they still go to AnalyzeStack. */
  notAnalyzed?: { resources: number; reason: string };
}

/** How `run` drives the pack beyond the engine's defaults. */
export interface RunOptions {
  /** Analyze calls in flight at once (default 8). */
  concurrency?: number;
  /**
   * Which resources get per-resource Remediate + Analyze (default: all, as the engine does).
   * A caller that knows no resource policy of the pack reads a type skips it; `reason` says why.
   */
  analyzes?: { test: (r: HarnessResource) => boolean; reason: string };
  /** False when the caller knows the pack has no remediation: Remediate is then not sent (default true). */
  remediate?: boolean;
}

const LEVELS: Record<number, EnforcementLevelName> = { 0: 'advisory', 1: 'mandatory', 2: 'disabled', 3: 'remediate' };
const LEVEL_NUMBERS: Record<EnforcementLevelName, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };
const SEVERITIES: Record<number, SeverityName | undefined> = { 0: undefined, 1: 'low', 2: 'medium', 3: 'high', 4: 'critical' };

export function lastUrnSegment(urn: string): string {
  const i = urn.lastIndexOf('::');
  return i < 0 ? urn : urn.slice(i + 2);
}

function call<Req, Res>(
  method: (
    req: Req,
    md: grpcTypes.Metadata,
    opts: Partial<grpcTypes.CallOptions>,
    cb: (err: grpcTypes.ServiceError | null, res: Res) => void,
  ) => unknown,
  req: Req,
  what: string,
  timeoutMs = 120_000,
): Promise<Res> {
  const { grpc } = analyzerProto();
  return new Promise((resolve, reject) => {
    method(req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err) reject(Object.assign(new StackfitError(`policy pack ${what} failed: ${err.details || err.message}`), { code: err.code }));
      else resolve(res);
    });
  });
}

function viewInfo(info: AnalyzerInfo): PackInfoView {
  const { pb } = analyzerProto();
  const policies: PolicyInfoView[] = info.getPoliciesList().map((p) => {
    const schema = p.getConfigschema();
    const type =
      p.getPolicyType() === pb.PolicyType.POLICY_TYPE_RESOURCE
        ? 'resource'
        : p.getPolicyType() === pb.PolicyType.POLICY_TYPE_STACK
          ? 'stack'
          : 'unknown';
    const view: PolicyInfoView = {
      name: p.getName(),
      description: p.getDescription(),
      type,
      enforcementLevel: LEVELS[p.getEnforcementlevel()] ?? 'advisory',
    };
    const severity = SEVERITIES[p.getSeverity()];
    if (severity) view.severity = severity;
    if (p.getRemediationSteps()) view.remediationSteps = p.getRemediationSteps();
    if (p.getUrl()) view.url = p.getUrl();
    if (schema) {
      view.configSchema = {
        properties: schema.getProperties()?.toJavaScript() ?? {},
        required: schema.getRequiredList(),
      };
    }
    return view;
  });
  const initialConfig: PackInfoView['initialConfig'] = {};
  info.getInitialconfigMap().forEach((cfg, key) => {
    initialConfig[key] = {
      enforcementLevel: LEVELS[cfg.getEnforcementlevel()] ?? 'advisory',
      properties: cfg.getProperties()?.toJavaScript() ?? {},
    };
  });
  return { name: info.getName(), version: info.getVersion(), supportsConfig: info.getSupportsconfig(), policies, initialConfig };
}

/**
 * One launched policy pack, driven as the engine drives it: Handshake, ConfigureStack,
 * GetAnalyzerInfo, Configure, then Remediate + Analyze per resource and AnalyzeStack at the end.
 * A session can be reconfigured and run again: `Configure` replaces the pack's config.
 */
export class PolicySession {
  private remediateSupported = true;

  private constructor(
    readonly pack: LaunchedPack,
    readonly info: PackInfoView,
    readonly launch: LaunchOptions,
  ) {}

  static async start(opts: LaunchOptions & { rootDirectory?: string; programDirectory?: string }): Promise<PolicySession> {
    const pack = await launchPolicyPack(opts);
    try {
      const { pb, empty } = analyzerProto();
      const c = pack.client;
      const hs = new pb.AnalyzerHandshakeRequest();
      hs.setEngineAddress('127.0.0.1:0');
      if (opts.rootDirectory) hs.setRootDirectory(opts.rootDirectory);
      if (opts.programDirectory) hs.setProgramDirectory(opts.programDirectory);
      try {
        await call(c.handshake.bind(c), hs, 'Handshake');
      } catch (err) {
        // @pulumi/policy 1.21 does not implement Handshake; the engine carries on, and so do we.
        if ((err as { code?: number }).code !== analyzerProto().grpc.status.UNIMPLEMENTED) throw err;
      }
      const cs = new pb.AnalyzerStackConfigureRequest();
      cs.setStack(opts.stack);
      cs.setProject(opts.project);
      cs.setOrganization(opts.organization ?? 'organization');
      cs.setDryRun(opts.dryRun ?? true);
      for (const [k, v] of Object.entries(opts.config ?? {})) cs.getConfigMap().set(k, v);
      await call(c.configureStack.bind(c), cs, 'ConfigureStack');
      const info = viewInfo(await call(c.getAnalyzerInfo.bind(c), new empty.Empty(), 'GetAnalyzerInfo'));
      return new PolicySession(pack, info, opts);
    } catch (err) {
      await pack.close();
      throw err;
    }
  }

  /** Merges and validates `user` config as the CLI does, and sends `Configure`. */
  async configure(user: PolicyPackConfigFile = {}, where?: string): Promise<Record<string, EffectivePolicyConfig>> {
    const merged = mergePolicyConfig(this.info, user, where);
    if (!this.info.supportsConfig) return merged;
    const { pb, struct } = analyzerProto();
    const req = new pb.ConfigureAnalyzerRequest();
    for (const [name, cfg] of Object.entries(merged)) {
      const pc = new pb.PolicyConfig();
      pc.setEnforcementlevel(LEVEL_NUMBERS[cfg.enforcementLevel]);
      pc.setProperties(struct.Struct.fromJavaScript(cfg.properties as never));
      req.getPolicyconfigMap().set(name, pc);
    }
    await call(this.pack.client.configure.bind(this.pack.client), req, 'Configure');
    return merged;
  }

  /** Provider messages by provider: resources share their provider object, so the message is encoded once. */
  private readonly providerMessages = new WeakMap<HarnessProvider, ReturnType<PolicySession['newProviderMessage']>>();

  private providerMessage(p: HarnessProvider) {
    let m = this.providerMessages.get(p);
    if (!m) this.providerMessages.set(p, (m = this.newProviderMessage(p)));
    return m;
  }

  private newProviderMessage(p: HarnessProvider) {
    const { pb } = analyzerProto();
    const m = new pb.AnalyzerProviderResource();
    m.setUrn(p.urn);
    m.setType(p.type);
    m.setName(p.name);
    m.setProperties(toStruct(p.inputs));
    return m;
  }

  private options(r: HarnessResource) {
    const { pb } = analyzerProto();
    const o = new pb.AnalyzerResourceOptions();
    if (r.parent) o.setParent(r.parent);
    if (r.protect) o.setProtect(true);
    return o;
  }

  /** Remediate + Analyze one resource on its inputs, as the engine does for each step. */
  async analyze(r: HarnessResource): Promise<{ diagnostics: PolicyDiagnostic[]; notApplicable: NotApplicable[] }> {
    const { pb } = analyzerProto();
    const req = new pb.AnalyzeRequest();
    req.setUrn(r.urn);
    req.setType(r.type);
    req.setName(r.name ?? lastUrnSegment(r.urn));
    req.setProperties(toStruct(r.inputs));
    req.setOptions(this.options(r));
    if (r.provider) req.setProvider(this.providerMessage(r.provider));
    const c = this.pack.client;
    if (this.remediateSupported) {
      try {
        await call(c.remediate.bind(c), req, `Remediate (${r.urn})`);
      } catch (err) {
        // A pack built on an older @pulumi/policy has no Remediate; the engine then skips it.
        if ((err as { code?: number }).code !== analyzerProto().grpc.status.UNIMPLEMENTED) throw err;
        this.remediateSupported = false;
      }
    }
    return readResponse(await call(c.analyze.bind(c), req, `Analyze (${r.urn})`), 'analyze', r.urn);
  }

  /**
   * The AnalyzeStack request for these resources (outputs), as the engine builds it. Each
   * resource is encoded as soon as it is built and only its bytes are kept: the request of a
   * 9,400-resource export held ~550 MiB of protobuf objects at once (issue 13, `check` on a 50 MB
   * export). The returned request is pre-serialized: `serializeBinary()` (all the gRPC client
   * calls) gives the wire bytes of `repeated AnalyzerResource resources = 1`; its getters are empty.
   */
  analyzeStackRequest(resources: readonly HarnessResource[]): AnalyzeStackRequest {
    const { pb } = analyzerProto();
    const parts: Uint8Array[] = [];
    for (const r of resources) {
      const m = new pb.AnalyzerResource();
      m.setUrn(r.urn);
      m.setType(r.type);
      m.setName(r.name ?? lastUrnSegment(r.urn));
      m.setProperties(toStruct(r.outputs ?? r.inputs));
      m.setOptions(this.options(r));
      if (r.parent) m.setParent(r.parent);
      if (r.dependencies) m.setDependenciesList(r.dependencies);
      for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
        const deps = new pb.AnalyzerPropertyDependencies();
        deps.setUrnsList(urns);
        m.getPropertydependenciesMap().set(k, deps);
      }
      if (r.provider) m.setProvider(this.providerMessage(r.provider));
      const body = m.serializeBinary();
      parts.push(lengthDelimitedField(1, body.length), body);
    }
    const bytes = Buffer.concat(parts);
    const req = new pb.AnalyzeStackRequest();
    req.serializeBinary = () => bytes;
    return req;
  }

  /** AnalyzeStack on every resource's outputs (or on a request built beforehand). */
  async analyzeStack(
    resources: readonly HarnessResource[] | AnalyzeStackRequest,
  ): Promise<{ diagnostics: PolicyDiagnostic[]; notApplicable: NotApplicable[] }> {
    const req = Array.isArray(resources) ? this.analyzeStackRequest(resources) : (resources as AnalyzeStackRequest);
    const c = this.pack.client;
    return readResponse(await call(c.analyzeStack.bind(c), req, 'AnalyzeStack'), 'analyzeStack');
  }

  /** Analyze every resource (a few in flight at once, as a preview does), then AnalyzeStack. */
  async run(resources: readonly HarnessResource[], opts: RunOptions = {}): Promise<Omit<PolicyRunResult, 'config'>> {
    if (opts.remediate === false) this.remediateSupported = false;
    const analyzed = opts.analyzes ? resources.filter((r) => opts.analyzes!.test(r)) : resources;
    const diagnostics: PolicyDiagnostic[] = [];
    const notApplicable: NotApplicable[] = [];
    const perResource = new Array<{ diagnostics: PolicyDiagnostic[]; notApplicable: NotApplicable[] }>(analyzed.length);
    let next = 0;
    const worker = async () => {
      while (next < analyzed.length) {
        const i = next++;
        perResource[i] = await this.analyze(analyzed[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, analyzed.length) }, worker));
    for (const r of perResource) {
      diagnostics.push(...r.diagnostics);
      notApplicable.push(...r.notApplicable);
    }
    const stack = await this.analyzeStack(resources);
    diagnostics.push(...stack.diagnostics);
    notApplicable.push(...stack.notApplicable);
    const skipped = resources.length - analyzed.length;
    return {
      pack: { name: this.info.name, version: this.info.version },
      diagnostics,
      notApplicable,
      ...(skipped > 0 && opts.analyzes ? { notAnalyzed: { resources: skipped, reason: opts.analyzes.reason } } : {}),
    };
  }

  close(): Promise<void> {
    return this.pack.close();
  }
}

/** The key (field number, wire type 2) and varint length that precede a length-delimited protobuf field. */
export function lengthDelimitedField(field: number, length: number): Uint8Array {
  const out = [(field << 3) | 2];
  let n = length;
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}

function readResponse(res: AnalyzeResponse, phase: PolicyDiagnostic['phase'], urn?: string) {
  const diagnostics = res.getDiagnosticsList().map((d) => {
    const out: PolicyDiagnostic = {
      policyName: d.getPolicyname(),
      policyPackName: d.getPolicypackname(),
      policyPackVersion: d.getPolicypackversion(),
      description: d.getDescription(),
      message: d.getMessage(),
      text:
        d.getDescription() && d.getMessage().startsWith(`${d.getDescription()}\n`)
          ? d.getMessage().slice(d.getDescription().length + 1)
          : d.getMessage(),
      enforcementLevel: LEVELS[d.getEnforcementlevel()] ?? 'advisory',
      phase,
    };
    const u = d.getUrn() || urn;
    if (u) out.urn = u;
    const severity = SEVERITIES[d.getSeverity()];
    if (severity) out.severity = severity;
    return out;
  });
  const notApplicable = res
    .getNotApplicableList()
    .map((n) => ({ policyName: n.getPolicyName(), reason: n.getReason(), ...(urn ? { urn } : {}) }));
  return { diagnostics, notApplicable };
}

/** Launch, configure, analyze, shut down: one policy run over a set of resources. */
export async function runPolicyPack(
  opts: LaunchOptions & {
    resources: readonly HarnessResource[];
    policyConfig?: PolicyPackConfigFile;
    policyConfigSource?: string;
    run?: RunOptions;
  },
): Promise<PolicyRunResult> {
  const session = await PolicySession.start(opts);
  try {
    const config = await session.configure(opts.policyConfig ?? {}, opts.policyConfigSource);
    const result = await session.run(opts.resources, opts.run);
    return { ...result, config };
  } finally {
    await session.close();
  }
}
