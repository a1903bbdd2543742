import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../scripts/build-catalog';
import { ec2SpecIndex, isAwsCurrentGeneration, type AutoscalerTypeRow, type KarpenterTypeRow } from '../../src/clouds/aws/catalog';
import { isAzureCurrentGeneration, isAzureVmSize } from '../../src/clouds/azure/catalog';
import { isGcpCurrentGeneration } from '../../src/clouds/gcp/catalog';

const PRICING = path.resolve(__dirname, '../../data/pricing');
const CATALOG_DIR = path.resolve(__dirname, '../../catalog');

describe('build-catalog', () => {
  const built = buildCatalog(PRICING);

  it('reproduces the committed catalog byte for byte', () => {
    const committed = readdirSync(CATALOG_DIR).filter((f) => f.endsWith('.json')).sort();
    expect([...built.files.keys()].sort()).toEqual(committed);
    for (const [name, text] of built.files) {
      // Compare as strings but report only the file name: the files are megabytes long.
      const same = readFileSync(path.join(CATALOG_DIR, name), 'utf8') === text;
      expect(same, `${name} differs from a rebuild: run npm run build:catalog`).toBe(true);
    }
  });

  it('reports what it left out, with counts', () => {
    const notes = Object.fromEntries(built.notes.map((n) => [n.part, n.lines.join('\n')]));
    expect(notes['aws-vm.json']).toMatch(/cross-check karpenter vs cluster-autoscaler: 0 mismatches/);
    expect(notes['aws-vm.json']).toMatch(/skipped \d+ price rows of \d+ types without specs: .*u-12tb1\.112xlarge/);
    expect(notes['aws-database.json']).toMatch(/classes without a matching EC2 type: .*db\.x2g\.large/);
    expect(notes['azure-vm.json']).toMatch(/excluded \d+ rows of \d+ dedicated-host \/ non-VM SKUs: .*Dsv3_Type1/);
    expect(notes['azure-vm.json']).toMatch(/excluded \d+ rows of \d+ VM sizes without specs/);
    expect(notes['gcp-vm.json']).toMatch(/skipped 51 rows without an hourly price/);
  });
});

describe('spec cross-check', () => {
  it('reports a type whose specs differ between karpenter and cluster-autoscaler', () => {
    const karpenter: KarpenterTypeRow[] = [
      {
        instance_type: 'm5.large',
        'karpenter.k8s.aws/instance-category': 'm',
        'karpenter.k8s.aws/instance-family': 'm5',
        'karpenter.k8s.aws/instance-generation': 5,
        'karpenter.k8s.aws/instance-cpu': 2,
        'karpenter.k8s.aws/instance-memory': 8192,
        'karpenter.k8s.aws/instance-gpu-count': 0,
        'karpenter.k8s.aws/instance-accelerator-count': 0,
        'karpenter.k8s.aws/instance-cpu-manufacturer': 'intel',
        'karpenter.k8s.aws/instance-local-nvme': 0,
        'karpenter.k8s.aws/instance-size': 'large',
        'kubernetes.io/arch': 'amd64',
      },
    ];
    const agree: AutoscalerTypeRow = { instance_type: 'm5.large', vcpu: 2, memory_mib: 8192, gpu: 0, architecture: 'amd64' };
    expect(ec2SpecIndex(karpenter, [agree]).mismatches).toEqual([]);
    const differ = { ...agree, memory_mib: 4096 };
    expect(ec2SpecIndex(karpenter, [differ]).mismatches).toEqual(['m5.large: karpenter vs cluster-autoscaler: memory 8 vs 4 GiB']);
    // A type only the autoscaler knows gets its specs from there, family and generation from its name.
    const { specs, fromAutoscaler } = ec2SpecIndex(karpenter, [{ instance_type: 'p3.2xlarge', vcpu: 8, memory_mib: 62464, gpu: 1, architecture: 'amd64' }]);
    expect(fromAutoscaler).toEqual(['p3.2xlarge']);
    expect(specs.get('p3.2xlarge')).toMatchObject({ family: 'p3', category: 'p', generation: 3, gpus: 1 });
  });
});

describe('previous-generation rules', () => {
  it('AWS: m1–m4, c1–c4, r3–r4, t1–t2, i2, d2 are previous; m5, c5, t3, i3 and newer are current', () => {
    for (const [category, generation] of [['m', 4], ['c', 4], ['r', 4], ['t', 2], ['i', 2], ['d', 2], ['g', 3], ['p', 2]] as const) {
      expect(isAwsCurrentGeneration(category, generation)).toBe(false);
      expect(isAwsCurrentGeneration(category, generation + 1)).toBe(true);
    }
    expect(isAwsCurrentGeneration('x', 1)).toBe(true);
  });

  it('Azure: Basic_, A v1, D/E/F v1–v3 are previous; v4 and later current', () => {
    for (const size of ['Basic_A1', 'Standard_A4', 'Standard_D2_v3', 'Standard_DS2_v2', 'Standard_D2', 'Standard_F4s_v2', 'Standard_E8s_v3', 'Standard_G2', 'Standard_NC6s_v2', 'Standard_B2s']) {
      expect(isAzureCurrentGeneration(size), size).toBe(false);
    }
    for (const size of ['Standard_D2s_v5', 'Standard_D2as_v4', 'Standard_E4s_v6', 'Standard_F2as_v6', 'Standard_A2_v2', 'Standard_B2s_v2', 'Standard_HB120rs_v3', 'Standard_NC4as_T4_v3', 'Standard_M128s_v2']) {
      expect(isAzureCurrentGeneration(size), size).toBe(true);
    }
  });

  it('Azure: dedicated-host SKUs and placeholders are not VM sizes', () => {
    for (const sku of ['Dsv3_Type1', 'DCasv6_Type1', 'L192isv4', 'ARM_SKU_NAME_PLACEHOLDER', 'Standard_Dsv3_Type1']) expect(isAzureVmSize(sku), sku).toBe(false);
    for (const size of ['Standard_D2s_v5', 'Basic_A0', 'Standard_M128bds_1_v4']) expect(isAzureVmSize(size), size).toBe(true);
  });

  it('GCP: N1-based series and M1 are previous; the rest current', () => {
    for (const family of ['n1', 'n1-custom', 'f1', 'g1', 'm1']) expect(isGcpCurrentGeneration(family)).toBe(false);
    for (const family of ['n2', 'n2d', 'e2', 'c3', 'n4', 'c4a', 'm3']) expect(isGcpCurrentGeneration(family)).toBe(true);
  });
});
