import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UsageRange, UsageResult, UsageSource, Workload } from '../../src/model';
import { cachedUsageSource, cacheKeyFor } from '../../src/usage/cache';
import { createProgress } from '../../src/usage/progress';
import { readTraceDir } from '../../src/usage/traces';
import { BITBRAINS_DIR } from '../support/prometheus';

const trace = readTraceDir(BITBRAINS_DIR)[0]!;
const range: UsageRange = { start: new Date(trace.cpuCores.t[0]!), end: new Date(trace.cpuCores.t.at(-1)!), stepSeconds: 300 };
const w = (name: string, size = 'm5.large'): Workload => ({
  urn: `urn:pulumi:s::p::aws:ec2/instance:Instance::${name}`,
  name,
  type: 'aws:ec2/instance:Instance',
  kind: 'vm',
  cloud: 'aws',
  size,
  count: 1,
  metricIds: { name, awsInstanceId: `i-${name}` },
});

/** A source serving the real trace to every workload except `gap`, counting its calls. */
function traceSource(): UsageSource & { calls: string[][]; cacheKey: string } {
  const calls: string[][] = [];
  return {
    name: 'cloudwatch:us-east-1',
    cacheKey: 'Average',
    calls,
    async fetch(workloads): Promise<UsageResult> {
      calls.push(workloads.map((x) => x.name));
      const series = new Map();
      const missing = [];
      for (const x of workloads) {
        if (x.name === 'gap') missing.push({ urn: x.urn, reason: 'no data' });
        else series.set(x.urn, { urn: x.urn, cpuCores: trace.cpuCores, memoryGiB: trace.memoryGiB!, source: 'cloudwatch:us-east-1' });
      }
      return { series, missing };
    },
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stackfit-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('usage cache', () => {
  it('fetches only what is not cached, returns identical series, and never caches a miss', async () => {
    const inner = traceSource();
    const source = cachedUsageSource(inner, { dir });
    const first = await source.fetch([w('a'), w('gap')], range);
    const second = await source.fetch([w('a'), w('b'), w('gap')], range);
    expect(inner.calls).toEqual([
      ['a', 'gap'],
      ['b', 'gap'],
    ]);
    expect(second.series.get(w('a').urn)).toEqual(first.series.get(w('a').urn));
    expect(second.series.get(w('a').urn)!.cpuCores.v).toEqual(trace.cpuCores.v);
    expect(second.missing).toEqual([{ urn: w('gap').urn, reason: 'no data' }]);
    expect(source.cacheStats).toEqual({ hits: 1, misses: 4 });
    // Atomic writes leave no temporary files behind.
    expect(readdirSync(join(dir, 'cloudwatch_us-east-1')).every((f) => f.endsWith('.json'))).toBe(true);
  });

  it('keys on range, step, size and source options', () => {
    const s = traceSource();
    const base = cacheKeyFor(s, w('a'), range);
    expect(cacheKeyFor(s, w('a'), { ...range, stepSeconds: 3600 })).not.toBe(base);
    expect(cacheKeyFor(s, w('a'), { ...range, end: new Date(range.end.getTime() + 1000) })).not.toBe(base);
    expect(cacheKeyFor(s, w('a', 'm5.xlarge'), range)).not.toBe(base);
    expect(cacheKeyFor({ ...s, cacheKey: 'Maximum' }, w('a'), range)).not.toBe(base);
    expect(cacheKeyFor(s, w('a'), range)).toBe(base);
  });

  it('treats a corrupt or foreign entry as a miss and rewrites it', async () => {
    const inner = traceSource();
    const source = cachedUsageSource(inner, { dir });
    await source.fetch([w('a')], range);
    const folder = join(dir, 'cloudwatch_us-east-1');
    const [file] = readdirSync(folder);
    writeFileSync(join(folder, file!), '{"version":1,"key":"trunc');
    const again = await source.fetch([w('a')], range);
    expect(inner.calls).toHaveLength(2);
    expect(again.series.get(w('a').urn)!.cpuCores.t).toEqual(trace.cpuCores.t);
    expect(JSON.parse(readFileSync(join(folder, file!), 'utf8')).version).toBe(1);
  });
});

describe('progress', () => {
  const capture = (): { stream: Writable; lines: string[] } => {
    const lines: string[] = [];
    const stream = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(...c.toString().split('\n').filter(Boolean)), cb()) });
    return { stream, lines };
  };

  it('prints a first line, then one plain line per 10 % off a TTY', () => {
    const { stream, lines } = capture();
    const p = createProgress('usage', 1000, { stream });
    for (let i = 1; i <= 1000; i++) p.update(i);
    p.stop();
    expect(lines.map((l) => /^usage: (\d+)% \((\d+)\/1000 workloads, [\d.]+ s\)$/.exec(l)?.[1])).toEqual([
      '0',
      '10',
      '20',
      '30',
      '40',
      '50',
      '60',
      '70',
      '80',
      '90',
      '100',
    ]);
  });

  it('uses plain lines in CI even on a TTY', () => {
    const { stream, lines } = capture();
    Object.assign(stream, { isTTY: true });
    const p = createProgress('usage', 4, { stream, env: { CI: 'true' } });
    p.update(2);
    p.update(1);
    p.stop();
    expect(lines.map((l) => l.replace(/, [\d.]+ s/, ''))).toEqual(['usage: 50% (2/4 workloads)', 'usage: 50% (2/4 workloads)']);
  });
});
