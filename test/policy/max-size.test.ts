/**
 * stackfit-max-size's rule, on the shipped catalog: a size's spec where it runs or, not sold
 * there, wherever the catalog has it; a cap is exceeded only above it. (The run through the
 * pack protocol is in pack.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { sizeCapProblems, specOfSize } from '../../src/policy/max-size';

const catalog = loadCatalog();

describe('stackfit-max-size rule', () => {
  it('reads the spec where the size runs, elsewhere when not sold there, and nothing for an unknown size', () => {
    expect(specOfSize({ cloud: 'aws', kind: 'vm', region: 'us-east-1', size: 'm5.2xlarge' }, catalog)).toMatchObject({
      vcpu: 8,
      memoryGiB: 32,
    });
    // The shipped AWS VM prices cover us-east-1 (and GovCloud): eu-west-1 has none, the spec is the same.
    expect(specOfSize({ cloud: 'aws', kind: 'vm', region: 'eu-west-1', size: 'm5.2xlarge' }, catalog)).toMatchObject({
      vcpu: 8,
      memoryGiB: 32,
    });
    expect(specOfSize({ cloud: 'aws', kind: 'vm', region: 'us-east-1', size: 'm5.3xlarge' }, catalog)).toBeUndefined();
  });

  it('flags only what is above a cap, naming size, spec and cap', () => {
    const spec = { vcpu: 8, memoryGiB: 32 };
    expect(sizeCapProblems('m5.2xlarge', spec, { maxVcpu: 8, maxMemoryGiB: 32 })).toEqual([]);
    expect(sizeCapProblems('m5.2xlarge', spec, { maxVcpu: 4 })).toEqual(['m5.2xlarge has 8 vCPU (maxVcpu 4)']);
    expect(sizeCapProblems('m5.2xlarge', spec, { maxVcpu: 16, maxMemoryGiB: 16 })).toEqual([
      'm5.2xlarge has 32 GiB of memory (maxMemoryGiB 16)',
    ]);
    expect(sizeCapProblems('m5.2xlarge', spec, {})).toEqual([]);
  });
});
