import type { Workload } from '../../model';
import { readSize } from '../../stack/handler';
import { lookup, numberAt, stringAt } from '../../stack/values';
import { poolInfo, singleResourceKind, type ResourceKind } from '../kind';
import { azureVmWorkload } from './resources';

/**
 * A scale set is a VM group (a pool: type and count sized together, on what its instances use,
 * read from Azure Monitor per instance) when the catalog's price is what it pays: Linux,
 * on-demand, shared hardware. A spot, Windows or dedicated-host scale set stays a per-VM
 * workload, whose pricing says why it is not priced (the pool path prices Linux on-demand only).
 */
function asVmGroup(w: Workload, name: string | undefined): Workload {
  if (w.spot || w.dedicated || (w.os !== undefined && w.os !== 'linux')) return w;
  return { ...w, pool: poolInfo({ kind: 'vm-group', spot: false, poolName: name ?? w.name }) };
}

/** Azure VM scale sets: `count` instances of the SKU (the capacity as declared). */
function scaleSetKind(
  types: readonly string[],
  sizePath: readonly string[],
  countPath: readonly string[],
  configKey: string,
): ResourceKind {
  return singleResourceKind({
    cloud: 'azure',
    types,
    read(ctx) {
      const size = readSize(ctx, sizePath);
      if ('skip' in size) return size;
      const field = countPath.join('.');
      const capacity = lookup(ctx.props, countPath);
      if (capacity.kind === 'unknown') return { skip: `instance count (${field}) is unknown during preview` };
      if (capacity.kind === 'secret') return { skip: `instance count (${field}) is a secret: not read` };
      const count = numberAt(ctx.props, countPath);
      if (count === undefined) return { skip: `no instance count set (${field})` };
      if (count === 0) return { skip: `scale set has no instances (${field} is 0)` };
      const workload = azureVmWorkload(ctx, { size: size.size, count, configKey, hostnamePaths: [] });
      return { workload: asVmGroup(workload, stringAt(ctx.props, ['vmScaleSetName']) ?? stringAt(ctx.props, ['name'])) };
    },
  });
}

export const azureNativeScaleSet = scaleSetKind(
  ['azure-native:compute:VirtualMachineScaleSet'],
  ['sku', 'name'],
  ['sku', 'capacity'],
  'azure-native:location',
);
export const azureClassicScaleSet = scaleSetKind(
  [
    'azure:compute/linuxVirtualMachineScaleSet:LinuxVirtualMachineScaleSet',
    'azure:compute/windowsVirtualMachineScaleSet:WindowsVirtualMachineScaleSet',
  ],
  ['sku'],
  ['instances'],
  'azure:location',
);
