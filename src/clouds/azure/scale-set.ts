import { readSize } from '../../stack/handler';
import { lookup, numberAt } from '../../stack/values';
import { singleResourceKind, type ResourceKind } from '../kind';
import { azureVmWorkload } from './resources';

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
      return { workload: azureVmWorkload(ctx, { size: size.size, count, configKey, hostnamePaths: [] }) };
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
