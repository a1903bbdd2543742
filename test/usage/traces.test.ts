import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectTraceFormat, readTraceDir, readTraceFile } from '../../src/usage/traces';

const traces = path.resolve(__dirname, '../../data/traces');

describe('trace readers (real Bitbrains and Azure V1 files)', () => {
  it('detects formats by header', () => {
    expect(detectTraceFormat('Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%]')).toBe(
      'bitbrains',
    );
    expect(detectTraceFormat(',1633748,223811,1948107')).toBe('azure-wide');
    expect(detectTraceFormat('timestamp,resource,metric,value')).toBeUndefined();
  });

  it('reads Bitbrains: seconds timestamps, used cores from MHz, memory in GiB, provisioned shape', () => {
    const [t] = readTraceFile(path.join(traces, 'bitbrains-rnd-2013-07/113.csv'));
    expect(t!.source).toBe('bitbrains');
    // First row: 1372629804; 4 cores; 11703.997672 MHz capacity; 138.49730578533334 MHz used; 190141.6 KB.
    expect(t!.cpuCores.t[0]).toBe(1372629804 * 1000);
    expect(new Date(t!.cpuCores.t[0]!).getUTCFullYear()).toBe(2013);
    expect(t!.cpuCores.v[0]).toBeCloseTo(138.49730578533334 / (11703.997672 / 4), 12);
    expect(t!.memoryGiB!.v[0]).toBeCloseTo(190141.6 / 1024 / 1024, 12);
    expect(t!.provisioned!.vcpu).toBe(4);
    // Memory was re-provisioned during the month: the largest provisioned value counts.
    expect(t!.provisioned!.memoryGiB).toBeCloseTo(8384512 / 1024 / 1024, 9);
    expect(t!.cpuCores.t.length).toBe(8253);
  });

  it('reads Azure wide files: one trace per VM, 5-minute steps, CPU only', () => {
    const all = readTraceFile(path.join(traces, 'azure-v1/azure_v1_50vms_max_cpu_wide.csv'), { azureVcpu: 4 });
    expect(all).toHaveLength(50);
    const vm = all.find((t) => t.id.endsWith(':1633748'))!;
    expect(vm.provisioned).toBeUndefined();
    expect(vm.memoryGiB).toBeUndefined();
    expect(vm.cpuPercent!.t.length).toBe(8004);
    expect(vm.cpuPercent!.t[1]! - vm.cpuPercent!.t[0]!).toBe(300_000);
    expect(vm.cpuCores.v[0]).toBeCloseTo((vm.cpuPercent!.v[0]! / 100) * 4, 12);
  });

  it('reads a whole directory tree, skipping files that are not traces', () => {
    const all = readTraceDir(traces);
    expect(all.filter((t) => t.source === 'bitbrains')).toHaveLength(10);
    expect(all.filter((t) => t.source === 'azure-wide')).toHaveLength(100);
  });
});
