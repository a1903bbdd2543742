import { readSize } from '../../stack/handler';
import { singleResourceKind, type ResourceKind } from '../kind';
import { azureVmWorkload } from './resources';

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
      return { workload: azureVmWorkload(ctx, { size: size.size, count: 1, configKey, hostnamePaths }) };
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
