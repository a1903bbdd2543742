import type { Offering } from '../model';

/**
 * What a size offers beyond vCPU and memory, as the catalog records it per size (derived at
 * build time from the source data and the clouds' documented naming rules, see
 * docs/catalog.md). A workload keeps every capability its size has today (it may use it: its
 * disks may be Premium_LRS, its scratch data on the temp disk), and the special families — GPU,
 * confidential, HPC / InfiniBand, bare metal — are offered only to workloads already on one.
 */
export const CAPABILITIES = ['premium-storage', 'temp-disk', 'local-ssd', 'gpu', 'confidential', 'hpc', 'metal'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** Families a general workload must never be moved onto. */
export const SPECIAL_CAPABILITIES: readonly Capability[] = ['gpu', 'confidential', 'hpc', 'metal'];

/**
 * Distinctions only one cloud draws between its sizes: Azure sizes with and without premium
 * storage or a temp disk. A move to another cloud re-creates the disks on that cloud's block
 * storage (every size there takes SSD volumes), so these are compared within a cloud only.
 */
const SAME_CLOUD_ONLY: readonly Capability[] = ['premium-storage', 'temp-disk'];

/** Why `candidate` cannot replace `current` for capability reasons, or undefined when it can. */
export function capabilityMismatch(
  current: Pick<Offering, 'capabilities' | 'cloud'> | undefined,
  candidate: Pick<Offering, 'capabilities' | 'cloud'>,
): string | undefined {
  const sameCloud = current === undefined || current.cloud === candidate.cloud;
  const have = sameCloud ? current?.capabilities : current?.capabilities?.filter((c) => !(SAME_CLOUD_ONLY as readonly string[]).includes(c));
  const offer = candidate.capabilities;
  if (have === undefined) {
    // Without today's capabilities (an unpriced or unknown size), never offer a special family.
    const special = offer?.find((c) => (SPECIAL_CAPABILITIES as readonly string[]).includes(c));
    return special ? `${special} size for a workload not on one` : undefined;
  }
  if (offer === undefined) return 'no capability data for this size';
  for (const c of have) if (!offer.includes(c)) return `lacks ${c}, which the current size has`;
  for (const c of offer) if ((SPECIAL_CAPABILITIES as readonly string[]).includes(c) && !have.includes(c)) return `${c} size for a workload not on one`;
  return undefined;
}
