/**
 * Hostile and careless usage files: each must fail the whole run with one message naming the
 * file and line (or JSON path) and a non-zero exit, never be read as "no usage" (issue #13).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Workload } from '../../src/model';
import { readUsageFile, usageFromRaw } from '../../src/usage/file';
import { EC2_EXPORT, EC2_NAME, errorLines, stackfit, tempDir, errorOf, writeIn } from './helpers';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const HEADER = 'timestamp,resource,metric,value\n';
const row = (value: string, metric = 'cpu_cores', ts = '2026-10-01T00:00:00Z') => `${ts},${EC2_NAME},${metric},${value}\n`;

const file = (name: string, text: string | Buffer): string => writeIn(dir, name, text);

/** name → [file content, the message after `<path>`] */
const BROKEN: [string, string | Buffer, string][] = [
  ['non-numeric.csv', HEADER + row('1') + row('abc'), ':3: value "abc" is not a number'],
  ['negative.csv', HEADER + row('-0.5'), ':2: value -0.5 is negative'],
  ['hex.csv', HEADER + row('0x10'), ':2: value "0x10" is not a number'],
  ['binary.csv', HEADER + row('0b11'), ':2: value "0b11" is not a number'],
  ['infinite.csv', HEADER + row('1e400'), ':2: value "1e400" is not a number'],
  ['infinity-word.csv', HEADER + row('Infinity'), ':2: value "Infinity" is not a number'],
  ['unknown-metric.csv', HEADER + row('1', 'cpu_load'), ':2: unknown metric "cpu_load"'],
  [
    'ragged.csv',
    HEADER + row('1') + `2026-10-01T00:05:00Z,${EC2_NAME},cpu_cores\n`,
    ':3: expected 4 fields (timestamp,resource,metric,value), found 3',
  ],
  ['open-quote.csv', HEADER + `2026-10-01T00:00:00Z,"${EC2_NAME},cpu_cores,1\n`, ':2: unterminated quoted field'],
  ['empty.csv', '', ': empty file: expected a header timestamp,resource,metric,value'],
  ['header-only.csv', HEADER, ': no usage rows after the header'],
  [
    'nanoseconds.csv',
    HEADER + row('1', 'cpu_cores', '1790892204000000000'),
    ':2: timestamp "1790892204000000000" is too large for Unix seconds or milliseconds',
  ],
  ['microseconds.csv', HEADER + row('1', 'cpu_cores', '1790892204000000'), ':2: timestamp "1790892204000000" is too large'],
  [
    'feb-30.csv',
    HEADER + row('1', 'cpu_cores', '2026-02-30T00:00:00Z'),
    ':2: timestamp "2026-02-30T00:00:00Z" is not a real date and time',
  ],
  ['hour-25.csv', HEADER + row('1', 'cpu_cores', '2026-02-03 25:00:00'), ':2: timestamp "2026-02-03 25:00:00" is not a real date and time'],
  ['hex-time.csv', HEADER + row('1', 'cpu_cores', '0x6a8b7c00'), ':2: timestamp "0x6a8b7c00" is neither ISO 8601 nor Unix'],
  ['year-1900.csv', HEADER + row('1', 'cpu_cores', '1900-01-01'), ':2: timestamp "1900-01-01" is 1900-01-01, outside 1970–2200'],
  [
    'cpu-182.csv',
    HEADER + row('50', 'cpu_percent') + row('182', 'cpu_percent', '2026-10-01T00:05:00Z'),
    ':3: cpu_percent 182 is above 100',
  ],
  ['mem-150.csv', HEADER + row('150', 'memory_percent'), ':2: memory_percent 150 is above 100'],
  ['no-newline.csv', Buffer.alloc(1024 * 1024 + 10, 0x30), ':1: line longer than 1 MiB: not a usage CSV'],
  [
    'bad.json',
    '{"series":[{"resource":"x","metric":"cpu_cores","points":[["2026-10-01T00:00:00Z","abc"]]}]}',
    ': series[0].points[0][1]: ',
  ],
  [
    'ns.json',
    '{"series":[{"resource":"x","metric":"cpu_cores","points":[[1790892204000000000,1]]}]}',
    ': series[0].points[0][0]: timestamp 1790892204000000000 is too large',
  ],
  [
    'feb30.json',
    '{"series":[{"resource":"x","metric":"cpu_cores","points":[["2026-02-30",1]]}]}',
    ': series[0].points[0][0]: timestamp "2026-02-30" is not a real date',
  ],
  [
    'pct.json',
    '{"series":[{"resource":"x","metric":"cpu_percent","points":[["2026-10-01",182]]}]}',
    ': series[0].points[0][1]: cpu_percent 182 is above 100',
  ],
  ['empty.json', '{"series":[]}', ': no usage series'],
  ['deep.json', '{"series":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}', ': series[0]: '],
];

describe('a broken usage file: one message naming file and line', () => {
  it.each(BROKEN)('%s', (name, text, expected) => {
    const p = file(name, text);
    expect(errorOf(() => readUsageFile(p))).toContain(`${p}${expected}`);
  });

  it('a directory', () => {
    expect(errorOf(() => readUsageFile(dir))).toBe(`${dir}: is a directory, not a usage file`);
  });

  it('/dev/zero is bounded (no endless line)', () => {
    expect(errorOf(() => readUsageFile('/dev/zero'))).toBe('/dev/zero:1: line longer than 1 MiB: not a usage CSV');
  });

  it.skipIf(process.getuid?.() === 0)('no read permission', () => {
    const p = file('secret.csv', HEADER + row('1'));
    fs.chmodSync(p, 0o000);
    expect(errorOf(() => readUsageFile(p))).toBe(`${p}: cannot read usage file: EACCES`);
  });

  it('a byte-order mark is accepted in JSON as in CSV', () => {
    const json = file('bom.json', '\uFEFF{"series":[{"resource":"x","metric":"cpu_cores","points":[["2026-10-01T00:00:00Z",1.5]]}]}');
    expect(readUsageFile(json).resources.get('x')!.get('cpu_cores')!.v).toEqual([1.5]);
    const csv = file('bom.csv', `\uFEFF${HEADER}2026-10-01T00:00:00Z,x,cpu_cores,1.5\n`);
    expect(readUsageFile(csv).resources.get('x')!.get('cpu_cores')!.v).toEqual([1.5]);
  });

  it('still reads every legitimate notation', () => {
    const p = file(
      'fine.csv',
      HEADER +
        ['1', '+2', '.5', '5.', '1e-3', ' 3 '].map((v, i) => row(v, 'cpu_cores', String(1790892204 + i * 300))).join('') +
        row('100.4', 'cpu_percent', '2024-02-29T23:59:59+01:00'),
    );
    const raw = readUsageFile(p);
    expect(raw.resources.get(EC2_NAME)!.get('cpu_cores')!.v).toEqual([1, 2, 0.5, 5, 0.001, 3]);
    expect(raw.resources.get(EC2_NAME)!.get('cpu_percent')!.t).toEqual([Date.parse('2024-02-29T22:59:59Z')]);
  });
});

describe('the CLI refuses the run (recommend)', () => {
  const recommend = (usage: string, extra: string[] = []) =>
    stackfit([
      'recommend',
      '--state',
      EC2_EXPORT,
      '--usage',
      usage,
      '--now',
      '2026-10-02T00:00:00Z',
      '--config',
      file('empty-config.yaml', '{}\n'),
      ...extra,
    ]);

  it.each([
    ['non-numeric.csv', ':3: value "abc" is not a number'],
    ['open-quote.csv', ':2: unterminated quoted field'],
    ['empty.csv', ': empty file'],
    ['nanoseconds.csv', ':2: timestamp "1790892204000000000" is too large'],
  ])('%s: exit 1, one error line, no report', async (name, expected) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, BROKEN.find(([n]) => n === name)![1]);
    const out = path.join(dir, `${name}.report.json`);
    const run = await recommend(p, ['--format', 'json', '--output', out]);
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toEqual([expect.stringContaining(`stackfit: ${p}${expected}`)]);
    expect(run.stdout).toBe('');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('a directory as --usage', async () => {
    const run = await recommend(dir);
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toEqual([`stackfit: ${dir}: is a directory, not a usage file`]);
    expect(run.stdout).toBe('');
  });

  it('one good and one broken source: still refused (no plan on part of the usage)', async () => {
    const good = file('good.csv', HEADER + row('0.2', 'cpu_cores', '2026-10-01T12:00:00Z'));
    const bad = path.join(dir, 'missing.csv');
    const run = await stackfit([
      'recommend',
      '--state',
      EC2_EXPORT,
      '--usage',
      good,
      bad,
      '--now',
      '2026-10-02T00:00:00Z',
      '--config',
      path.join(dir, 'empty-config.yaml'),
    ]);
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toEqual([`stackfit: ${bad}: cannot read usage file: ENOENT`]);
    expect(run.stdout).toBe('');
  });
});

function emptyConfig(): string {
  const p = path.join(dir, 'no-rules.yaml');
  if (!fs.existsSync(p)) fs.writeFileSync(p, '{}\n');
  return p;
}

describe('a workload whose rows are all gaps', () => {
  it('is told so (not "not in the stack"): a warning naming the file and the count, and the reason it has no recommendation', async () => {
    const p = file('all-gaps.csv', HEADER + row('') + row('', 'cpu_cores', '2026-10-01T00:05:00Z') + row('', 'memory_gib'));
    const run = await stackfit([
      'recommend',
      '--state',
      EC2_EXPORT,
      '--usage',
      p,
      '--now',
      '2026-10-02T00:00:00Z',
      '--config',
      emptyConfig(),
      '--format',
      'json',
    ]);
    expect(run.stderr).not.toContain('not in the stack');
    expect(run.stderr.split('\n').filter((l) => l.startsWith('stackfit: warning:'))).toEqual([
      `stackfit: warning: file:${p}: all 3 row(s) for "${EC2_NAME}" are gaps (empty values)`,
    ]);
    const report = JSON.parse(run.stdout) as { missingUsage: { reason: string }[] };
    expect(report.missingUsage.map((m) => m.reason)).toEqual([
      `file:${p}: all 3 row(s) for "${EC2_NAME}" are gaps (empty values): no usage to size it on`,
    ]);
  });
});

describe('implausible usage: warnings naming file and line', () => {
  const w: Workload = {
    urn: `urn:pulumi:test::ec2-instance::aws:ec2/instance:Instance::${EC2_NAME}`,
    name: EC2_NAME,
    type: 'aws:ec2/instance:Instance',
    kind: 'vm',
    cloud: 'aws',
    region: 'us-east-1',
    size: 'm5.large',
    count: 1,
    metricIds: { name: EC2_NAME },
  };
  const range = { start: new Date('2026-09-01T00:00:00Z'), end: new Date('2026-11-01T00:00:00Z'), stepSeconds: 300 };
  const specs = { vcpuOf: () => 2, memoryGiBOf: () => 8 };
  const warningsOf = (name: string, rows: string) => {
    const p = file(name, HEADER + rows);
    return { p, warnings: usageFromRaw(readUsageFile(p), [w], range, `file:${p}`, specs).warnings ?? [] };
  };
  const at = (i: number) => `2026-10-01T00:${String(i * 5).padStart(2, '0')}:00Z`;

  it('percentages in a cpu_cores column', () => {
    const { p, warnings } = warningsOf(
      'cores-pct.csv',
      row('12', 'cpu_cores', at(0)) + row('64', 'cpu_cores', at(1)) + row('30', 'cpu_cores', at(2)),
    );
    expect(warnings).toEqual([
      `${p}:3: cpu_cores 64 for "${EC2_NAME}" is more than the 2 vCPUs of "m5.large" (percentages in the cpu_cores column?)`,
    ]);
  });
  it('0–1 fractions as percentages', () => {
    const { p, warnings } = warningsOf(
      'fractions.csv',
      row('0.2', 'cpu_percent', at(0)) + row('0.35', 'cpu_percent', at(1)) + row('0.5', 'memory_percent', at(0)),
    );
    expect(warnings).toEqual([
      `${p}:3: cpu_percent for "${EC2_NAME}" never exceeds 0.35 (0–1 fractions instead of percentages? multiply by 100)`,
      `${p}:4: memory_percent for "${EC2_NAME}" never exceeds 0.5 (0–1 fractions instead of percentages? multiply by 100)`,
    ]);
  });
  it('GiB in memory_bytes', () => {
    const { p, warnings } = warningsOf(
      'gib-bytes.csv',
      row('0.5', 'cpu_cores') + row('3.5', 'memory_bytes', at(0)) + row('4', 'memory_bytes', at(1)),
    );
    expect(warnings).toEqual([`${p}:4: memory_bytes for "${EC2_NAME}" never exceeds 4 bytes (GiB or MiB in the memory_bytes column?)`]);
  });
  it('memory above the size, and bytes in memory_gib', () => {
    const { p, warnings } = warningsOf('mem-over.csv', row('0.5', 'cpu_cores') + row('4294967296', 'memory_gib'));
    expect(warnings).toEqual([
      `${p}:3: memory 4295000000 GiB for "${EC2_NAME}" is more than the 8 GiB of "m5.large" (bytes or MiB in the memory_gib column?)`,
    ]);
  });
  it('in a region the catalog has no price for (us-west-2), from the CLI: the size still gives the capacity', async () => {
    // The real export's t2.micro (1 vCPU, 1 GiB) runs in us-west-2; the shipped EC2 catalog prices us-east-1 only.
    const p = file(
      'unpriced-region.csv',
      HEADER + row('0.5', 'cpu_cores', at(0)) + row('48', 'cpu_cores', at(1)) + row('64', 'memory_gib', at(1)),
    );
    const run = await stackfit([
      'recommend',
      '--state',
      EC2_EXPORT,
      '--usage',
      p,
      '--now',
      '2026-10-02T00:00:00Z',
      '--config',
      emptyConfig(),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('unpriced: no offline AWS price for us-west-2');
    expect(run.stderr.split('\n').filter((l) => l.startsWith('stackfit: warning:'))).toEqual([
      `stackfit: warning: ${p}:3: cpu_cores 48 for "${EC2_NAME}" is more than the 1 vCPUs of "t2.micro" (percentages in the cpu_cores column?)`,
      `stackfit: warning: ${p}:4: memory 64 GiB for "${EC2_NAME}" is more than the 1 GiB of "t2.micro"`,
    ]);
  });
  it('plausible usage gives no warning', () => {
    const { warnings } = warningsOf('plausible.csv', row('1.9', 'cpu_cores') + row('7.5', 'memory_gib') + row('45', 'cpu_percent'));
    expect(warnings).toEqual([]);
  });
});
