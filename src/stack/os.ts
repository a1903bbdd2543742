import type { Workload } from '../model';
import { lookup } from './values';

/** What a detector found: the OS and the property it was read from. */
export type OsFinding = Pick<Workload, 'os' | 'osEvidence'>;

/** The workload fields of a finding (none when nothing names an OS: Linux, as before). */
export function osFields(finding: OsFinding | undefined): OsFinding {
  return finding?.os ? { os: finding.os, ...(finding.osEvidence ? { osEvidence: finding.osEvidence } : {}) } : {};
}

/** A property's plain value (not secret, not unknown), for OS detection. */
export function plainAt(props: Record<string, unknown>, path: readonly string[]): unknown {
  const found = lookup(props, path);
  return found.kind === 'value' ? found.value : undefined;
}

/** How the evidence of a paid OS image starts (the catalog prices neither its licence nor its Linux twin). */
export const PAID_IMAGE = 'paid image';

/**
 * An image whose licence is billed per hour on top of the VM (RHEL, SLES, SQL Server, Ubuntu
 * Pro): priced neither as Linux nor as Windows, since no shipped source prices the licence.
 */
export function paidImage(what: string, where: string): OsFinding {
  return { os: 'unknown', osEvidence: `${PAID_IMAGE} ${what} (${where})` };
}

/** An explicit OS name (`Windows`, `Linux`, `linux/unix`…): windows, linux, or unknown for anything else. */
export function classifyOsName(value: string, where: string): OsFinding {
  const v = value.trim().toLowerCase();
  if (v.startsWith('windows')) return { os: 'windows', osEvidence: `${where} ${value}` };
  if (v === 'linux' || v === 'linux/unix' || v === 'unix') return { os: 'linux', osEvidence: `${where} ${value}` };
  return { os: 'unknown', osEvidence: `${where} ${value}` };
}
