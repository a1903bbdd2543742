import path from 'node:path';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { StackfitError } from '../../src/model';
import type { Workload } from '../../src/model';
import { UsageCsvParser, fileUsageSource, parseTimestamp, readUsageFile } from '../../src/usage/file';

const fixtures = path.join(__dirname, 'fixtures');
const repo = path.resolve(__dirname, '../..');

function workload(name: string, extra: Partial<Workload> = {}): Workload {
  return {
    urn: `urn:pulumi:prod::stackfit-demo::aws:ec2/instance:Instance::${name}`,
    name,
    type: 'aws:ec2/instance:Instance',
    kind: 'vm',
    cloud: 'aws',
    region: 'us-east-1',
    size: 'm5.large',
    count: 1,
    metricIds: { name },
    ...extra,
  };
}

const october = { start: new Date('2026-09-01T00:00:00Z'), end: new Date('2026-11-01T00:00:00Z'), stepSeconds: 300 };

function errorOf(fn: () => unknown): StackfitError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StackfitError);
    return err as StackfitError;
  }
  throw new Error('expected an error');
}

describe('usage CSV errors name the file and line', () => {
  it('bad number', () => {
    expect(errorOf(() => readUsageFile(path.join(fixtures, 'bad-number.csv'))).message).toBe(
      `${path.join(fixtures, 'bad-number.csv')}:3: value "abc" is not a number`,
    );
  });
  it('missing column', () => {
    expect(errorOf(() => readUsageFile(path.join(fixtures, 'missing-column.csv'))).message).toMatch(
      /missing-column\.csv:1: missing column "metric" in header/,
    );
  });
  it('bad timestamp', () => {
    expect(errorOf(() => readUsageFile(path.join(fixtures, 'bad-timestamp.csv'))).message).toMatch(
      /bad-timestamp\.csv:4: timestamp "2026-13-45 nonsense" is neither ISO 8601 nor Unix seconds\/milliseconds/,
    );
  });
  it('a row with too few fields', () => {
    expect(errorOf(() => readUsageFile(path.join(fixtures, 'short-row.csv'))).message).toMatch(
      /short-row\.csv:3: expected 4 fields \(timestamp,resource,metric,value\), found 3/,
    );
  });
  it('unknown metric', () => {
    expect(errorOf(() => readUsageFile(path.join(fixtures, 'unknown-metric.csv'))).message).toMatch(
      /unknown-metric\.csv:2: unknown metric "cpu_load" \(expected one of cpu_cores, cpu_percent/,
    );
  });
  it('a missing file', () => {
    expect(errorOf(() => readUsageFile(path.join(fixtures, 'nope.csv'))).message).toMatch(/nope\.csv: cannot read usage file: ENOENT/);
  });
  it('JSON: bad value names the JSON path', () => {
    expect(errorOf(() => readUsageFile(path.join(fixtures, 'bad.json'))).message).toMatch(/bad\.json: series\[0\]\.points\[0\]\[1\]: /);
  });
  it('counts lines across chunk boundaries', () => {
    const parser = new UsageCsvParser('chunked.csv');
    const text =
      'timestamp,resource,metric,value\n' + '2026-10-01T00:00:00Z,web,cpu_cores,1\n'.repeat(10) + '2026-10-01T00:00:00Z,web,cpu_cores,x\n';
    expect(() => {
      for (let i = 0; i < text.length; i += 7) parser.push(text.slice(i, i + 7));
      parser.end();
    }).toThrow('chunked.csv:12: value "x" is not a number');
  });
});

describe('timestamps', () => {
  it('reads ISO 8601 (offset-less as UTC), Unix seconds and Unix milliseconds alike', () => {
    const ms = Date.parse('2026-10-01T00:00:00Z');
    expect(parseTimestamp('2026-10-01T00:00:00Z')).toBe(ms);
    expect(parseTimestamp('2026-10-01 00:00:00')).toBe(ms);
    expect(parseTimestamp('2026-10-01T02:00:00+02:00')).toBe(ms);
    expect(parseTimestamp('2026-10-01')).toBe(ms);
    expect(parseTimestamp(String(ms / 1000))).toBe(ms);
    expect(parseTimestamp(String(ms))).toBe(ms);
    expect(parseTimestamp('yesterday')).toBeNaN();
  });
});

describe('fileUsageSource', () => {
  it('matches by URN and cloud id, converts percentages and bytes, merges duplicates, keeps gaps and reports strangers', async () => {
    const web = workload('web,0');
    const byId = workload('batch', { metricIds: { name: 'batch', awsInstanceId: 'i-0abc123' } });
    const src = fileUsageSource(path.join(fixtures, 'quoted.csv'), { vcpuOf: () => 2, memoryGiBOf: () => 8 });
    const result = await src.fetch([web, byId], october);
    const w = result.series.get(web.urn)!;
    // 25 % and 30 % at the same instant: the larger wins; the empty 00:05 value is a gap, not a zero.
    expect(w.cpuCores.t).toEqual([Date.parse('2026-10-01T00:00:00Z'), Date.parse('2026-10-01T00:10:00Z')]);
    expect(w.cpuCores.v).toEqual([0.6, 1]);
    expect(w.memoryGiB!.v).toEqual([4]);
    const b = result.series.get(byId.urn)!;
    expect(b.cpuCores.v).toEqual([0.75, 1.25]);
    expect(b.memoryGiB).toBeUndefined();
    expect(result.missing).toEqual([]);
    expect(result.warnings).toEqual([expect.stringContaining('ignored 2 rows for 1 resource(s) not in the stack: ghost "old" vm')]);
  });

  it('says why a workload has no usage: percent without a vCPU count, no rows, outside the range', async () => {
    const web = workload('web,0');
    const nobody = workload('nobody');
    const noVcpu = await fileUsageSource(path.join(fixtures, 'quoted.csv')).fetch([web, nobody], october);
    expect(noVcpu.series.size).toBe(0);
    expect(noVcpu.missing).toEqual([
      { urn: web.urn, reason: expect.stringContaining('cpu_percent needs the vCPU count of size "m5.large"') },
      { urn: nobody.urn, reason: expect.stringContaining('no rows for "nobody"') },
    ]);
    const later = { start: new Date('2026-10-02T00:00:00Z'), end: new Date('2026-10-03T00:00:00Z'), stepSeconds: 300 };
    const outside = await fileUsageSource(path.join(fixtures, 'quoted.csv'), { vcpuOf: () => 2 }).fetch([web], later);
    expect(outside.missing[0]!.reason).toMatch(/no samples .* \(the file covers 2026-10-01T00:00:00.000Z to 2026-10-01T00:10:00.000Z\)/);
  });

  it('reads the JSON form; Azure ids match case-insensitively; memory_percent needs the size memory', async () => {
    const api = workload('api');
    const worker = workload('worker', {
      cloud: 'azure',
      metricIds: {
        name: 'worker',
        azureResourceId: '/subscriptions/abc/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/worker',
      },
    });
    const result = await fileUsageSource(path.join(fixtures, 'usage.json'), { vcpuOf: () => 4, memoryGiBOf: () => 16 }).fetch(
      [api, worker],
      october,
    );
    const a = result.series.get(api.urn)!;
    expect(a.cpuCores.v).toEqual([1.5, 2.5]);
    expect(a.cpuCores.t[1]! - a.cpuCores.t[0]!).toBe(600_000);
    expect(a.memoryGiB!.v).toEqual([3]);
    const w = result.series.get(worker.urn)!;
    expect(w.cpuCores.v).toEqual([2]);
    expect(w.memoryGiB!.v).toEqual([8]);
    const cpuOnly = await fileUsageSource(path.join(fixtures, 'usage.json'), { vcpuOf: () => 4 }).fetch([worker], october);
    expect(cpuOnly.series.get(worker.urn)!.memoryGiB).toBeUndefined();
  });

  it('reads the demo usage files (real traces) for every demo workload', async () => {
    const prodNames = ['web', 'api', 'worker', 'cache', 'search', 'reporting'];
    const range = { start: new Date('2026-09-29T00:00:00Z'), end: new Date('2026-11-01T00:00:00Z'), stepSeconds: 300 };
    const prod = await fileUsageSource(path.join(repo, 'stacks/usage/prod.csv'), { vcpuOf: () => 8 }).fetch(
      prodNames.map((n) => workload(n)),
      range,
    );
    expect(prod.missing).toEqual([]);
    expect(prod.warnings).toBeUndefined();
    for (const name of prodNames) {
      const s = prod.series.get(workload(name).urn)!;
      expect(s.cpuCores.t.length).toBeGreaterThan(7000);
      expect(s.cpuCores.t.at(-1)!).toBeLessThanOrEqual(range.end.getTime());
      expect(s.cpuCores.t.at(-1)!).toBeGreaterThan(range.end.getTime() - 86_400_000);
    }
    // reporting is an Azure trace: CPU % only, converted with the vCPU count given.
    expect(prod.series.get(workload('reporting').urn)!.memoryGiB).toBeUndefined();
    expect(Math.max(...prod.series.get(workload('reporting').urn)!.cpuCores.v)).toBeLessThanOrEqual(8);
    expect(prod.series.get(workload('cache').urn)!.memoryGiB!.v.length).toBeGreaterThan(7000);
    const dev = await fileUsageSource(path.join(repo, 'stacks/usage/dev.csv')).fetch(
      ['web', 'api', 'worker'].map((n) => workload(n)),
      range,
    );
    expect([...dev.series.keys()].length).toBe(3);
  });
});

describe('a large file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stackfit-usage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('streams a file bigger than one read chunk and keeps every row', () => {
    const file = path.join(dir, 'big.csv');
    const lines = ['timestamp,resource,metric,value'];
    const start = Date.parse('2026-10-01T00:00:00Z') / 1000;
    for (let r = 0; r < 200; r++) {
      for (let i = 0; i < 720; i++)
        lines.push(`${start + i * 3600},"urn:pulumi:prod::p::aws:ec2/instance:Instance::vm-${r}",cpu_cores,${(i % 7) / 4}`);
    }
    writeFileSync(file, lines.join('\r\n'));
    const raw = readUsageFile(file);
    expect(raw.resources.size).toBe(200);
    const s = raw.resources.get('urn:pulumi:prod::p::aws:ec2/instance:Instance::vm-199')!.get('cpu_cores')!;
    expect(s.t.length).toBe(720);
    expect(s.v[719]).toBe((719 % 7) / 4);
  });
});

describe('CSV parser details', () => {
  it('reads numbers exactly as Number() does, in every notation', () => {
    const texts = [
      '0.1',
      '0.0473333',
      '1e3',
      '+2',
      ' 3 ',
      '3.2142857142857144',
      '123456789012345',
      '1234567890123456789',
      '0.30000000000000004',
      '5.',
      '.5',
      '0',
    ];
    const csv = 'timestamp,resource,metric,value\n' + texts.map((v, i) => `${1790812800 + i * 300},web,cpu_cores,${v}`).join('\n');
    const parser = new UsageCsvParser('n.csv');
    parser.push(csv);
    const s = parser.end().resources.get('web')!.get('cpu_cores')!;
    expect(s.v).toEqual(texts.map((v) => Number(v)));
  });

  it('keeps UTF-8 names and a BOM intact whatever the chunking', () => {
    const csv =
      '\uFEFFtimestamp,resource,metric,value\r\n2026-10-01T00:00:00Z,wéb-ü,memory_gib,2\r\n2026-10-01T00:05:00Z,"wéb-ü",memory_gib,3\r\n';
    const bytes = Buffer.from(csv, 'utf8');
    for (const size of [1, 2, 3, 5, bytes.length]) {
      const parser = new UsageCsvParser('u.csv');
      for (let i = 0; i < bytes.length; i += size) parser.push(bytes.subarray(i, i + size));
      const raw = parser.end();
      expect([...raw.resources.keys()], `chunk ${size}`).toEqual(['wéb-ü']);
      expect(raw.resources.get('wéb-ü')!.get('memory_gib')!.v).toEqual([2, 3]);
    }
  });
});
