import { createServer, request as httpRequest, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Series, UsageRange, Workload } from '../../src/model';
import { fetchUsage } from '../../src/usage/fetch';
import { prometheusBaseUrl, prometheusUsageSource, regexMatcherValue, splitRange } from '../../src/usage/prometheus';
import { readTraceDir, type Trace } from '../../src/usage/traces';
import {
  BITBRAINS_DIR,
  SLOT_SECONDS,
  expectedCpuFromTrace,
  startPrometheus,
  toSlots,
  writeOpenMetrics,
  type RunningPrometheus,
} from '../support/prometheus';
import { lacks } from '../support/tools';

/** Values go through a float counter and back: 1e-6 cores / GiB is far below any sizing step. */
const TOLERANCE = 1e-6;

const traces = readTraceDir(BITBRAINS_DIR);
const hostOf = (trace: Trace): string => `vm${trace.id.replace(/\.csv$/, '')}.bitbrains.example`;

function workloadFor(trace: Trace, hostname?: string): Workload {
  const name = `vm-${trace.id.replace(/\.csv$/, '')}`;
  return {
    urn: `urn:pulumi:prod::bench::aws:ec2/instance:Instance::${name}`,
    name,
    type: 'aws:ec2/instance:Instance',
    kind: 'vm',
    cloud: 'aws',
    size: 'm5.large',
    count: 1,
    metricIds: { name, ...(hostname ? { hostname } : {}) },
  };
}

/** What Prometheus 2.x instant-vector lookback gives for a gauge on the query grid: the latest sample at most 2 h old (both ends inclusive). */
function expectedGauge(series: Series, gridStartMs: number, gridEndMs: number): Series {
  const s = toSlots(series);
  const out: Series = { t: [], v: [] };
  let j = 0;
  for (let t = gridStartMs; t <= gridEndMs; t += SLOT_SECONDS * 1000) {
    while (j + 1 < s.t.length && s.t[j + 1]! <= t) j++;
    if (s.t[j]! <= t && t - s.t[j]! <= 2 * 3600 * 1000) {
      out.t.push(t);
      out.v.push(s.v[j]!);
    }
  }
  return out;
}

function expectSeriesClose(actual: Series | undefined, expected: Series): void {
  expect(actual).toBeDefined();
  expect(actual!.t).toEqual(expected.t);
  let worst = 0;
  for (let i = 0; i < expected.v.length; i++) worst = Math.max(worst, Math.abs(actual!.v[i]! - expected.v[i]!));
  expect(worst).toBeLessThan(TOLERANCE);
}

let prom: RunningPrometheus;
let tmp: string;
let traceStart = Infinity;
let traceEnd = -Infinity;

beforeAll(async () => {
  if (lacks('prometheus')) return;
  tmp = mkdtempSync(join(tmpdir(), 'stackfit-prom-test-'));
  const file = join(tmp, 'bitbrains.om');
  await writeOpenMetrics(
    file,
    traces.map((trace) => ({ instance: `${hostOf(trace)}:9100`, trace })),
  );
  for (const trace of traces) {
    traceStart = Math.min(traceStart, toSlots(trace.cpuCores).t[0]!);
    traceEnd = Math.max(traceEnd, toSlots(trace.cpuCores).t.at(-1)!);
  }
  prom = await startPrometheus({ openMetricsFiles: [file] });
});

afterAll(async () => {
  await prom?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(lacks('prometheus'))('Prometheus usage source against a real Prometheus backfilled from Bitbrains traces', () => {
  it('reads back every trace point for point, in one request per metric for all workloads', async () => {
    expect(traces.length).toBe(10);
    const workloads = traces.map((t) => workloadFor(t, hostOf(t)));
    const source = prometheusUsageSource(prom.url);
    const range: UsageRange = { start: new Date(traceStart), end: new Date(traceEnd), stepSeconds: SLOT_SECONDS };
    const result = await source.fetch(workloads, range);
    expect(result.missing).toEqual([]);
    expect(source.stats.requests).toBe(2);
    for (const [i, trace] of traces.entries()) {
      const got = result.series.get(workloads[i]!.urn);
      expect(got?.source).toBe(`prometheus://127.0.0.1:${prom.port}`);
      const expectedCpu = expectedCpuFromTrace(trace);
      expect(expectedCpu.t.length).toBeGreaterThan(8000);
      expectSeriesClose(got?.cpuCores, expectedCpu);
      expectSeriesClose(got?.memoryGiB, expectedGauge(trace.memoryGiB!, traceStart, traceEnd));
    }
  });

  it('splits a range over 11,000 points into chunks and stitches them without loss', async () => {
    const trace = traces[0]!;
    const source = prometheusUsageSource(prom.url);
    // 45 days at 5 minutes = 12,961 points: two chunks; the boundary falls inside the trace.
    const start = traceStart - 15 * 86_400_000;
    const range: UsageRange = { start: new Date(start), end: new Date(start + 45 * 86_400_000), stepSeconds: SLOT_SECONDS };
    expect(splitRange(range)).toHaveLength(2);
    const result = await source.fetch([workloadFor(trace, hostOf(trace))], range);
    expect(source.stats.requests).toBe(4);
    expectSeriesClose(result.series.get(workloadFor(trace).urn)?.cpuCores, expectedCpuFromTrace(trace));
  });

  it('reports workloads without the join id, or without data, as missing with the reason', async () => {
    const [a, b] = traces;
    const noId = workloadFor(a!);
    // "vm11" must not match vm113…: the regex is anchored and dots are escaped.
    const unknown = { ...workloadFor(b!, 'vm11'), urn: 'urn:x::vm11' };
    const lookalike = { ...workloadFor(b!, 'vm113Xbitbrains.example'), urn: 'urn:x::dot' };
    const result = await prometheusUsageSource(prom.url).fetch([noId, unknown, lookalike], {
      start: new Date(traceStart),
      end: new Date(traceEnd),
      stepSeconds: 3600,
    });
    expect(result.series.size).toBe(0);
    expect(result.missing).toEqual([
      { urn: noId.urn, reason: `prometheus://127.0.0.1:${prom.port}: no hostname id to match the Prometheus label "instance"` },
      { urn: 'urn:x::vm11', reason: `prometheus://127.0.0.1:${prom.port}: no CPU data for instance="vm11" in the range` },
      { urn: 'urn:x::dot', reason: `prometheus://127.0.0.1:${prom.port}: no CPU data for instance="vm113Xbitbrains.example" in the range` },
    ]);
  });

  it('joins on another label and runs an overriding query', async () => {
    const trace = traces[1]!;
    const w = workloadFor(trace, `${hostOf(trace)}:9100`);
    const source = prometheusUsageSource(prom.url, {
      matchPort: false,
      // Milli-cores, to see that the override is what ran.
      cpuQuery: '1000 * sum by ({{joinLabel}}) (rate(node_cpu_seconds_total{mode="user",{{selector}}}[{{window}}]))',
    });
    const result = await source.fetch([w], { start: new Date(traceStart), end: new Date(traceEnd), stepSeconds: SLOT_SECONDS });
    const expected = expectedCpuFromTrace(trace);
    expectSeriesClose(result.series.get(w.urn)?.cpuCores, { t: expected.t, v: expected.v.map((x) => x * 1000) });
  });

  it('a failed memory query keeps the CPU already read, marked partial, with a warning naming the cause', async () => {
    const [a, b] = traces;
    const workloads = [workloadFor(a!, hostOf(a!)), workloadFor(b!, hostOf(b!))];
    // Prometheus rejects this query (HTTP 400 bad_data) while the CPU query succeeds.
    const source = prometheusUsageSource(prom.url, { memoryQuery: 'sum by ({{joinLabel}}) (node_memory_MemTotal_bytes{{{selector}}}) /' });
    const range: UsageRange = { start: new Date(traceStart), end: new Date(traceEnd), stepSeconds: SLOT_SECONDS };
    const fetched = await fetchUsage([source], workloads, range, { progress: false });
    expect(fetched.failures).toEqual([]);
    expect(fetched.missing).toEqual([]);
    for (const [i, w] of workloads.entries()) {
      const got = fetched.series.get(w.urn);
      expectSeriesClose(got?.cpuCores, expectedCpuFromTrace([a!, b!][i]!));
      expect(got?.memoryGiB).toBeUndefined();
      expect(got?.partial).toBe(true);
    }
    expect(fetched.warnings).toHaveLength(1);
    expect(fetched.warnings![0]).toMatch(
      new RegExp(
        `^prometheus://127\\.0\\.0\\.1:${prom.port}: partial: the memory query for 2 workload\\(s\\) failed \\(http://127\\.0\\.0\\.1:${prom.port}/api/v1/query_range: HTTP 400 bad_data: .*\\); they are sized on CPU only$`,
      ),
    );
  });

  it('retries 503 with Retry-After, then reads the data', async () => {
    let calls = 0;
    const proxy: Server = createServer((req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(503, { 'retry-after': '0', 'content-type': 'text/plain' });
        res.end('overloaded');
        return;
      }
      const upstream = httpRequest(`${prom.url}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as { port: number }).port;
    try {
      const trace = traces[2]!;
      const source = prometheusUsageSource(`http://127.0.0.1:${port}`);
      const result = await source.fetch([workloadFor(trace, hostOf(trace))], {
        start: new Date(traceStart),
        end: new Date(traceEnd),
        stepSeconds: SLOT_SECONDS,
      });
      expect(source.stats.requests).toBe(3);
      expect(calls).toBe(3);
      expectSeriesClose(result.series.get(workloadFor(trace).urn)?.cpuCores, expectedCpuFromTrace(trace));
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('bounds a hanging request with a timeout, sends the token, and keeps it out of the error', async () => {
    const seen: string[] = [];
    const hang: Server = createServer((req) => {
      seen.push(String(req.headers.authorization));
    });
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    const port = (hang.address() as { port: number }).port;
    try {
      const source = prometheusUsageSource(`http://127.0.0.1:${port}`, {
        timeoutMs: 200,
        maxAttempts: 2,
        retryBaseMs: 5,
        bearerToken: 'sekret-token',
      });
      const trace = traces[0]!;
      const result = await source.fetch([workloadFor(trace, hostOf(trace))], {
        start: new Date(traceStart),
        end: new Date(traceEnd),
        stepSeconds: 3600,
      });
      expect(seen).toEqual(['Bearer sekret-token', 'Bearer sekret-token']);
      expect(result.missing[0]!.reason).toBe(`http://127.0.0.1:${port}/api/v1/query_range: request failed: no answer within 200 ms`);
    } finally {
      hang.closeAllConnections();
      await new Promise((resolve) => hang.close(resolve));
    }
  });

  it('gives up after bounded retries on an unreachable server and reports the cause', async () => {
    const source = prometheusUsageSource('http://127.0.0.1:9', { maxAttempts: 2, retryBaseMs: 5 });
    const trace = traces[0]!;
    const result = await source.fetch([workloadFor(trace, hostOf(trace))], {
      start: new Date(traceStart),
      end: new Date(traceEnd),
      stepSeconds: 3600,
    });
    expect(source.stats.requests).toBe(2);
    expect(result.series.size).toBe(0);
    expect(result.missing[0]!.reason).toMatch(/^http:\/\/127\.0\.0\.1:9\/api\/v1\/query_range: request failed/);
  });

  it('a server that cannot be read is a failed source, never "no usage": the run must not act on it (issue #13)', async () => {
    const source = prometheusUsageSource('http://127.0.0.1:9', { maxAttempts: 1, retryBaseMs: 5 });
    const trace = traces[0]!;
    const workload = workloadFor(trace, hostOf(trace));
    const fetched = await fetchUsage(
      [source],
      [workload],
      { start: new Date(traceStart), end: new Date(traceEnd), stepSeconds: 3600 },
      { progress: false },
    );
    expect(fetched.missing[0]).toMatchObject({ urn: workload.urn, failed: true });
    expect(fetched.failures.map((f) => f.source)).toEqual([source.name]);
    expect(String(fetched.failures[0]!.error)).toMatch(
      /1 of 1 workload\(s\) could not be read: http:\/\/127\.0\.0\.1:9\/api\/v1\/query_range: request failed/,
    );
  });
});

describe('Prometheus helpers', () => {
  it('parses source specs', () => {
    expect(prometheusBaseUrl('prometheus://127.0.0.1:9090')).toBe('http://127.0.0.1:9090');
    expect(prometheusBaseUrl('prometheus+https://prom.example.com/prometheus')).toBe('https://prom.example.com/prometheus');
    expect(() => prometheusBaseUrl('prometheus://user:pw@h:9090')).toThrow(/STACKFIT_PROMETHEUS_TOKEN/);
    expect(() => prometheusBaseUrl('prom://h')).toThrow(/expected prometheus:\/\/host:port/);
  });

  it('escapes regex and PromQL string syntax in join values', () => {
    expect(regexMatcherValue(['a.b', 'c"d'], false)).toBe('a\\\\.b|c\\"d');
    expect(regexMatcherValue(['h'], true)).toBe('(?:h)(?::[0-9]+)?');
  });

  it('keeps every chunk within 11,000 points on a shared step grid', () => {
    const start = new Date('2026-01-01T00:00:07Z');
    const chunks = splitRange({ start, end: new Date(start.getTime() + 90 * 86_400_000), stepSeconds: 60 });
    expect(chunks[0]!.start % 60).toBe(0);
    for (const c of chunks) expect((c.end - c.start) / c.step + 1).toBeLessThanOrEqual(11_000);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.start).toBe(chunks[i - 1]!.end + 60);
    expect(chunks.at(-1)!.end).toBe(Math.floor((start.getTime() + 90 * 86_400_000) / 60_000) * 60);
  });
});
