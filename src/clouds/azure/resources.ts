import type { Workload } from '../../model';
import { configString, firstString, type ResourceContext } from '../../stack/handler';
import { stringAt } from '../../stack/values';
import { classifyOsName, plainAt, type OsFinding } from '../../stack/os';

/** Marketplace publishers whose images are Windows (Server, client, SQL Server on Windows, Visual Studio). */
const WINDOWS_PUBLISHERS = ['microsoftwindowsserver', 'microsoftwindowsdesktop', 'microsoftsqlserver', 'microsoftvisualstudio', 'microsoftwindowsserverhpcpack'];

/**
 * The OS of an Azure VM or scale set: the resource type (Windows/LinuxVirtualMachine), the
 * image publisher, the OS profile's windowsConfiguration / linuxConfiguration, or the OS disk's
 * osType — for azure-native (`storageProfile`, `osProfile`, under `virtualMachineProfile` for
 * scale sets) and classic (`sourceImageReference`, `storageImageReference`, `osProfileWindowsConfig`).
 */
export function azureVmOs(type: string, props: Record<string, unknown>): OsFinding | undefined {
  if (/windowsVirtualMachine/i.test(type)) return { os: 'windows', osEvidence: type };
  if (/linuxVirtualMachine/i.test(type)) return { os: 'linux', osEvidence: type };
  for (const root of [[], ['virtualMachineProfile']]) {
    const at = (...path: string[]) => plainAt(props, [...root, ...path]);
    for (const path of [['storageProfile', 'imageReference', 'publisher'], ['sourceImageReference', 'publisher'], ['storageImageReference', 'publisher']]) {
      const publisher = at(...path);
      if (typeof publisher === 'string' && WINDOWS_PUBLISHERS.includes(publisher.toLowerCase())) return { os: 'windows', osEvidence: `${[...root, ...path].join('.')} ${publisher}` };
    }
    for (const path of [['osProfile', 'windowsConfiguration'], ['osProfileWindowsConfig']]) {
      const config = at(...path);
      if (config !== undefined && config !== null) return { os: 'windows', osEvidence: [...root, ...path].join('.') };
    }
    for (const path of [['osProfile', 'linuxConfiguration'], ['osProfileLinuxConfig']]) {
      const config = at(...path);
      if (config !== undefined && config !== null) return { os: 'linux', osEvidence: [...root, ...path].join('.') };
    }
    for (const path of [['storageProfile', 'osDisk', 'osType'], ['storageOsDisk', 'osType']]) {
      const osType = at(...path);
      if (typeof osType === 'string' && osType !== '') return classifyOsName(osType, [...root, ...path].join('.'));
    }
  }
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

