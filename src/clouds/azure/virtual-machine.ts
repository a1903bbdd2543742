import { baseWorkload, groupFromTags, readSize } from '../../stack/handler';
import { osFields } from '../../stack/os';
import { azureDedicated, azureSpot } from '../../stack/purchase';
import { stringMapAt } from '../../stack/values';
import { singleResourceKind, type ResourceKind } from '../kind';
import { azureVmOs, location, metricIds } from './resources';

/** Azure virtual machines (azure-native and the classic azure provider): one VM of its size. */
function vmKind(
  types: readonly string[],
  sizePath: readonly string[],
  configKey: string,
  hostnamePaths: readonly (readonly string[])[],
): ResourceKind {
  return singleResourceKind({
    cloud: 'azure',
    types,
    read(ctx) {
      const size = readSize(ctx, sizePath);
      if ('skip' in size) return size;
      const region = location(ctx, configKey);
      const group = groupFromTags(stringMapAt(ctx.props, ['tags']));
      return {
        workload: {
          ...baseWorkload(ctx),
          kind: 'vm',
          cloud: 'azure',
          ...(region ? { region } : {}),
          size: size.size,
          count: 1,
          ...(group ? { group } : {}),
          ...osFields(azureVmOs(ctx.type, ctx.props)),
          ...azureSpot(ctx.props),
          ...azureDedicated(ctx.props),
          metricIds: metricIds(ctx, hostnamePaths),
        },
      };
    },
  });
}

export const azureNativeVirtualMachine = vmKind(
  ['azure-native:compute:VirtualMachine'],
  ['hardwareProfile', 'vmSize'],
  'azure-native:location',
  [['osProfile', 'computerName']],
);
export const azureClassicLinuxWindowsVm = vmKind(
  ['azure:compute/linuxVirtualMachine:LinuxVirtualMachine', 'azure:compute/windowsVirtualMachine:WindowsVirtualMachine'],
  ['size'],
  'azure:location',
  [['computerName']],
);
export const azureClassicVirtualMachine = vmKind(['azure:compute/virtualMachine:VirtualMachine'], ['vmSize'], 'azure:location', []);
