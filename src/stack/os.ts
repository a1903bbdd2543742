import type { Workload } from '../model';
import { lookup } from './values';

/** What a detector found: the OS and the property it was read from. */
export type OsFinding = Pick<Workload, 'os' | 'osEvidence' | 'imageLicence'>;

/** The workload fields of a finding (none when nothing names an OS: Linux, as before). */
export function osFields(finding: OsFinding | undefined): OsFinding {
  if (!finding?.os) return {};
  return {
    os: finding.os,
    ...(finding.osEvidence ? { osEvidence: finding.osEvidence } : {}),
    ...(finding.imageLicence ? { imageLicence: finding.imageLicence } : {}),
  };
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
export function paidImage(what: string, where: string, licence?: string): OsFinding {
  return { os: 'unknown', osEvidence: `${PAID_IMAGE} ${what} (${where})`, ...(licence !== undefined && { imageLicence: licence }) };
}

/** An explicit OS name (`Windows`, `Linux`, `linux/unix`…): windows, linux, or unknown for anything else. */
export function classifyOsName(value: string, where: string): OsFinding {
  const v = value.trim().toLowerCase();
  if (v.startsWith('windows')) return { os: 'windows', osEvidence: `${where} ${value}` };
  if (v === 'linux' || v === 'linux/unix' || v === 'unix') return { os: 'linux', osEvidence: `${where} ${value}` };
  return { os: 'unknown', osEvidence: `${where} ${value}` };
}

/** How the evidence of an OS that could not be read starts (priced as Linux, with this said in the reason). */
export const OS_ASSUMED = 'OS assumed Linux';

/** Nothing in the state says which OS the image is: priced as Linux, and the output says it is an assumption. */
export function assumedLinux(why: string): OsFinding {
  return { os: 'linux', osEvidence: `${OS_ASSUMED}: ${why}` };
}

/** How the evidence of a Windows VM under Azure Hybrid Benefit starts (priced at the base compute rate). */
export const HYBRID_BENEFIT = 'Windows with Azure Hybrid Benefit';
