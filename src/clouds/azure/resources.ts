import type { Workload } from '../../model';
import { baseWorkload, configString, firstString, groupFromTags, type ResourceContext } from '../../stack/handler';
import { stringAt, stringMapAt } from '../../stack/values';
import { classifyOsName, HYBRID_BENEFIT, osFields, paidImage, plainAt, type OsFinding } from '../../stack/os';
import { azureDedicated, azureSpot } from '../../stack/purchase';

/** Marketplace publishers whose images are Windows (Server, client, SQL Server on Windows, Visual Studio). */
const WINDOWS_PUBLISHERS = [
  'microsoftwindowsserver',
  'microsoftwindowsdesktop',
  'microsoftsqlserver',
  'microsoftvisualstudio',
  'microsoftwindowsserverhpcpack',
];

/**
 * Marketplace images billed with a per-hour licence on top of the VM: RHEL and SLES (unless
 * bring-your-own-subscription: a `byos` offer or `licenseType` RHEL_BYOS / SLES_BYOS), SQL
 * Server (except the free Express and Developer editions), Ubuntu Pro.
 */
function paidAzureImage(publisher: string, offer: unknown, sku: unknown, licenseType: unknown): string | undefined {
  const p = publisher.toLowerCase();
  const o = typeof offer === 'string' ? offer.toLowerCase() : '';
  const s = typeof sku === 'string' ? sku.toLowerCase() : '';
  const byos = o.includes('byos') || (typeof licenseType === 'string' && /_byos$/i.test(licenseType));
  if (p === 'redhat' && !byos) return 'Red Hat Enterprise Linux';
  if (p === 'suse' && !byos && /sles/.test(o)) return 'SUSE Linux Enterprise Server';
  if (p === 'microsoftsqlserver' && !/express|sqldev|developer/.test(s)) return 'SQL Server';
  if (p === 'canonical' && /(^|[-_])pro([-_]|$)/.test(`${o} ${s}`.replace(' ', '-'))) return 'Ubuntu Pro';
  return undefined;
}

/**
 * The OS of an Azure VM or scale set: the resource type (Windows/LinuxVirtualMachine), the
 * image publisher, the OS profile's windowsConfiguration / linuxConfiguration, or the OS disk's
 * osType — for azure-native (`storageProfile`, `osProfile`, under `virtualMachineProfile` for
 * scale sets) and classic (`sourceImageReference`, `storageImageReference`, `osProfileWindowsConfig`).
 */
export function azureVmOs(type: string, props: Record<string, unknown>): OsFinding | undefined {
  const declared = declaredAzureOs(type, props);
  if (declared?.os !== 'windows') return declared;
  // Azure Hybrid Benefit: the Windows licence is the customer's own, the VM pays the base
  // compute rate, which is the Linux rate (https://azure.microsoft.com/pricing/hybrid-benefit/).
  for (const path of [['licenseType'], ['virtualMachineProfile', 'licenseType']]) {
    const licence = plainAt(props, path);
    if (typeof licence === 'string' && /^windows_(server|client)$/i.test(licence))
      return { os: 'linux', osEvidence: `${HYBRID_BENEFIT} (${path.join('.')} ${licence}): billed at the base compute (Linux) rate` };
  }
  return declared;
}

function declaredAzureOs(type: string, props: Record<string, unknown>): OsFinding | undefined {
  if (/windowsVirtualMachine/i.test(type)) return { os: 'windows', osEvidence: type };
  for (const root of [[], ['virtualMachineProfile']]) {
    const at = (...path: string[]) => plainAt(props, [...root, ...path]);
    for (const path of [
      ['storageProfile', 'imageReference', 'publisher'],
      ['sourceImageReference', 'publisher'],
      ['storageImageReference', 'publisher'],
    ]) {
      const publisher = at(...path);
      const paid =
        typeof publisher === 'string'
          ? paidAzureImage(publisher, at(...path.slice(0, -1), 'offer'), at(...path.slice(0, -1), 'sku'), plainAt(props, ['licenseType']))
          : undefined;
      if (paid) return paidImage(paid, `${[...root, ...path].join('.')} ${String(publisher)}`);
      if (typeof publisher === 'string' && WINDOWS_PUBLISHERS.includes(publisher.toLowerCase()))
        return { os: 'windows', osEvidence: `${[...root, ...path].join('.')} ${publisher}` };
    }
    for (const path of [['osProfile', 'windowsConfiguration'], ['osProfileWindowsConfig']]) {
      const config = at(...path);
      if (config !== undefined && config !== null) return { os: 'windows', osEvidence: [...root, ...path].join('.') };
    }
    for (const path of [['osProfile', 'linuxConfiguration'], ['osProfileLinuxConfig']]) {
      const config = at(...path);
      if (config !== undefined && config !== null) return { os: 'linux', osEvidence: [...root, ...path].join('.') };
    }
    for (const path of [
      ['storageProfile', 'osDisk', 'osType'],
      ['storageOsDisk', 'osType'],
    ]) {
      const osType = at(...path);
      if (typeof osType === 'string' && osType !== '') return classifyOsName(osType, [...root, ...path].join('.'));
    }
  }
  // A paid image (above) decides before the resource type says Linux.
  if (/linuxVirtualMachine/i.test(type)) return { os: 'linux', osEvidence: type };
  return undefined;
}

/**
 * Azure resources that carry a size: azure-native (ARM) tokens first, then the classic
 * @pulumi/azure (Terraform-bridged) ones. Versioned azure-native tokens
 * (`azure-native:compute/v20240301:VirtualMachine`) reach here with the version removed.
 */

/** `East US` / `eastus` → `eastus`: ARM accepts display names, prices use the short name. */
export function normalizeAzureLocation(location: string): string {
  return location.toLowerCase().replace(/\s+/g, '');
}

export function location(ctx: ResourceContext, configKey: string): string | undefined {
  const raw = stringAt(ctx.props, ['location']) ?? ctx.providerRegion ?? configString(ctx.stackConfig, configKey);
  return raw ? normalizeAzureLocation(raw) : undefined;
}

export function metricIds(ctx: ResourceContext, hostnamePaths: readonly (readonly string[])[]): Workload['metricIds'] {
  const id = stringAt(ctx.props, ['id']);
  const hostname = firstString(ctx.props, hostnamePaths);
  return {
    name: ctx.name,
    ...(id?.startsWith('/subscriptions/') ? { azureResourceId: id } : {}),
    ...(hostname ? { hostname } : {}),
  };
}

/** The workload of an Azure VM or scale set: `count` VMs of `size`, with place, tags, OS and purchase terms. */
export function azureVmWorkload(
  ctx: ResourceContext,
  o: { size: string; count: number; configKey: string; hostnamePaths: readonly (readonly string[])[] },
): Workload {
  const region = location(ctx, o.configKey);
  const group = groupFromTags(stringMapAt(ctx.props, ['tags']));
  return {
    ...baseWorkload(ctx),
    kind: 'vm',
    cloud: 'azure',
    ...(region ? { region } : {}),
    size: o.size,
    count: o.count,
    ...(group ? { group } : {}),
    ...osFields(azureVmOs(ctx.type, ctx.props)),
    ...azureSpot(ctx.props),
    ...azureDedicated(ctx.props),
    metricIds: metricIds(ctx, o.hostnamePaths),
  };
}
