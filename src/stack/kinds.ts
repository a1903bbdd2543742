import { kindFor } from '../clouds';
import type { KindContext, StackPeer } from '../clouds/kind';
import type { SkippedResource, Workload } from '../model';
import { normalizeResourceType } from '../clouds';
import { nameFromUrn, stackAndProjectFromUrn, stringAt } from './values';

/**
 * Runs registered resource kinds (src/clouds/registry.ts) with a view of the whole stack: kinds
 * find the resources they refer to (launch templates, clusters) through a `PeerIndex`.
 */
export class PeerIndex {
  private readonly byRef = new Map<string, StackPeer[]>();
  private readonly byType = new Map<string, StackPeer[]>();

  constructor(peers: Iterable<StackPeer>) {
    for (const peer of peers) {
      const type = normalizeResourceType(peer.type);
      const normalized = { ...peer, type };
      this.byType.set(type, [...(this.byType.get(type) ?? []), normalized]);
      const refs = new Set([peer.urn]);
      for (const key of ['id', 'name', 'selfLink', 'selfLinkUnique', 'arn']) {
        const value = stringAt(peer.props, [key]);
        if (value) refs.add(value);
      }
      for (const ref of refs) this.byRef.set(ref, [...(this.byRef.get(ref) ?? []), normalized]);
    }
  }

  /** The one peer a reference names (of `type`, when given); undefined when none or ambiguous. */
  find(ref: string, type?: string): StackPeer | undefined {
    const found = (this.byRef.get(ref) ?? []).filter((p) => type === undefined || p.type === type);
    return found.length === 1 ? found[0] : undefined;
  }

  ofType(type: string): readonly StackPeer[] {
    return this.byType.get(type) ?? [];
  }
}

export const NO_PEERS = new PeerIndex([]);

export interface KindInput {
  urn: string;
  type: string;
  props: Record<string, unknown>;
  providerRegion?: string;
  stackConfig?: Record<string, unknown>;
  /** The rest of the stack (or how to build it on first use); none in a policy check of one resource. */
  peers?: PeerIndex | (() => PeerIndex);
  hasSizedChildren?: boolean;
}

export interface KindOutput {
  results: ({ workload: Workload } | { skipped: SkippedResource })[];
  consumes: string[];
}

function withSpotPool(w: Workload): Workload {
  return w.pool?.spot && w.spot === undefined ? { ...w, spot: `spot node pool (${w.type})` } : w;
}

/** What a registered kind makes of one resource; undefined when the type is not a registered kind. */

export function readWithKind(res: KindInput): KindOutput | undefined {
  const kind = kindFor(res.type);
  if (!kind) return undefined;
  const source = res.peers;
  let built: PeerIndex | undefined;
  const peers = (): PeerIndex => (built ??= source === undefined ? NO_PEERS : typeof source === 'function' ? source() : source);
  const ctx: KindContext = {
    urn: res.urn,
    type: normalizeResourceType(res.type),
    name: nameFromUrn(res.urn),
    props: res.props,
    ...(res.providerRegion ? { providerRegion: res.providerRegion } : {}),
    stackConfig: res.stackConfig ?? {},
    find: (ref, type) => peers().find(ref, type),
    ofType: (type) => peers().ofType(type),
    hasSizedChildren: res.hasSizedChildren ?? false,
    declaredType: res.type,
  };
  const out = kind.read(ctx);
  const { stack } = stackAndProjectFromUrn(res.urn);
  return {
    results: [
      // A spot pool pays the spot price, like a spot VM (src/catalog/views.ts currentPrice): every
      // consumer (plan, cost comment) prices it so, or leaves it unpriced, never at on-demand.
      ...out.workloads.map((w) => ({ workload: withSpotPool(stack ? { ...w, stack } : w) })),
      ...out.skipped.map((s) => ({
        skipped: { urn: res.urn, type: res.type, reason: s.suffix ? `${s.suffix}: ${s.reason}` : s.reason },
      })),
    ],
    consumes: out.consumes,
  };
}
