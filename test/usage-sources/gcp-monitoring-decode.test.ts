/**
 * The page decoder of the Cloud Monitoring source (src/usage/gcp-monitoring/rest.ts) against the
 * one it replaced (session 3: zod headers, `Date.parse` per point), kept here verbatim as the
 * reference: same series, same order, same gaps, on pages in the API's real format — pretty-printed
 * as the API answers by default (see the sample in Google's "Retrieving time-series data" guide),
 * string or integer enums, RFC 3339 times with and without fractions, `int64Value` as a string,
 * proto3's `"NaN"` doubles, and one series split across two pages.
 */
import { describe, expect, it } from 'vitest';
import { StackfitError } from '../../src/model';
import { EndTimes, readPageText, type PointsByInstance } from '../../src/usage/gcp-monitoring/rest';
import { scanPage } from '../../src/usage/gcp-monitoring/scan';
import { listPageHeaderSchema, timeSeriesHeaderSchema } from '../../src/usage/gcp-monitoring/schema';

/** Session 3's readPage, unchanged. */
function readPageBefore(page: unknown, into: PointsByInstance, where: string): string | undefined {
  const header = listPageHeaderSchema.safeParse(page);
  if (!header.success) throw new StackfitError(`unexpected timeSeries.list page: ${header.error.issues[0]?.message ?? ''}`, where);
  for (const raw of header.data.timeSeries ?? []) {
    const ts = timeSeriesHeaderSchema.safeParse(raw);
    if (!ts.success) throw new StackfitError(`unexpected time series: ${ts.error.issues[0]?.message ?? ''}`, where);
    const id = ts.data.resource.labels.instance_id;
    if (!id) continue;
    let acc = into.get(id);
    if (!acc) into.set(id, (acc = { t: [], v: [] }));
    const points = ts.data.points;
    for (let i = 0; i < points.length; i++) {
      const p = points[i] as { interval?: { endTime?: unknown }; value?: { doubleValue?: unknown; int64Value?: unknown } } | null;
      const end = p?.interval?.endTime;
      const t = typeof end === 'string' ? Date.parse(end) : NaN;
      if (!Number.isFinite(t)) throw new StackfitError(`point ${i} of instance ${id}: no valid interval.endTime`, where);
      const value = p?.value;
      const x =
        typeof value?.doubleValue === 'number' ? value.doubleValue : value?.int64Value !== undefined ? Number(value.int64Value) : NaN;
      // A point without a finite value is a gap, never a zero.
      if (!Number.isFinite(x)) continue;
      acc.t.push(t);
      acc.v.push(x);
    }
  }
  return header.data.nextPageToken || undefined;
}

type Value = { doubleValue: number | string } | { int64Value: string };
const point = (end: string, value: Value) => ({ interval: { startTime: end, endTime: end }, value });
const series = (instanceId: string, points: ReturnType<typeof point>[], enums: 'int' | 'string' = 'int') => ({
  metric: { labels: { instance_name: `vm-${instanceId}` }, type: 'compute.googleapis.com/instance/cpu/utilization' },
  resource: { type: 'gce_instance', labels: { instance_id: instanceId, zone: 'us-east1-b', project_id: 'sampleproject' } },
  metricKind: enums === 'int' ? 1 : 'GAUGE',
  valueType: enums === 'int' ? 3 : 'DOUBLE',
  points,
  unit: '10^2.%',
});
/** Newest first, five minutes apart, as the API lists an aligned series. */
const times = (n: number, newest: number): string[] =>
  Array.from({ length: n }, (_, i) => new Date(newest - i * 300_000).toISOString().replace('.000Z', 'Z'));

function pages(): string[] {
  const a = times(6, Date.UTC(2020, 6, 27, 20, 20));
  const b = times(3, Date.UTC(2020, 6, 27, 20, 20));
  const first = {
    timeSeries: [
      series(
        '2708613220420473591',
        [point('2020-07-27T20:20:21.597143Z', { doubleValue: 0.473005 }), point('2020-07-27T20:19:21.597239Z', { doubleValue: 0.473025 })],
        'string',
      ),
      // Split: this series goes on on the next page.
      series(
        '7',
        a.slice(0, 4).map((t, i) => point(t, i === 1 ? { doubleValue: 'NaN' } : { doubleValue: 0.25 * i + 1e-17 })),
      ),
    ],
    nextPageToken: 'CiAKGjBBQ0s=',
    unit: '10^2.%',
  };
  const second = {
    timeSeries: [
      series(
        '7',
        a.slice(4).map((t, i) => point(t, { doubleValue: 3 + i })),
      ),
      series(
        '8',
        b.map((t, i) => point(t, { int64Value: String(100 + i) })),
      ),
      {
        ...series(
          '9',
          b.map((t) => point(t, { doubleValue: 1 })),
        ),
        resource: { type: 'gce_instance', labels: { zone: 'us-east1-b' } },
      },
      // Any key order, unknown fields, escapes, exponents: points before their series' resource.
      {
        points: b.map((t, i) => ({
          value: { doubleValue: i === 0 ? 1.5e-7 : -2.5e3 },
          metadata: [1, { x: null }],
          interval: { endTime: t },
        })),
        metadata: { systemLabels: { tags: ['a', { b: [true, false, null] }] } },
        metric: { type: 'compute.googleapis.com/instance/cpu/utilization', labels: { instance_name: 'vm-"é"\\' } },
        resource: { labels: { instance_id: '10' }, type: 'gce_instance' },
      },
    ],
    unit: '10^2.%',
  };
  // The API pretty-prints unless asked not to; stackfit asks ($prettyPrint=false): both must read the same.
  return [JSON.stringify(first, null, 2), JSON.stringify(second)];
}

describe('Cloud Monitoring page decoding', () => {
  it('reads the same series as the decoder it replaced, across a series split over two pages', () => {
    // Both pages are read by the single-pass scanner, not by its JSON.parse fallback.
    expect(pages().map((text) => scanPage(text) !== undefined)).toEqual([true, true]);
    const before: PointsByInstance = new Map();
    const after: PointsByInstance = new Map();
    const endTimes = new EndTimes();
    const tokens = pages().map((text) => [readPageBefore(JSON.parse(text), before, 'test'), readPageText(text, after, 'test', endTimes)]);
    expect(tokens).toEqual([
      ['CiAKGjBBQ0s=', 'CiAKGjBBQ0s='],
      [undefined, undefined],
    ]);
    expect([...after.keys()]).toEqual(['2708613220420473591', '7', '8', '10']);
    expect(after.get('10')!.v).toEqual([1.5e-7, -2500, -2500]);
    expect(after).toEqual(before);
    // The split series is whole: 6 points but the NaN gap, newest first.
    expect(after.get('7')!.v).toEqual([1e-17, 0.5 + 1e-17, 0.75 + 1e-17, 3, 4]);
    expect(after.get('2708613220420473591')!.t).toEqual([Date.parse('2020-07-27T20:20:21.597Z'), Date.parse('2020-07-27T20:19:21.597Z')]);
  });

  it('rejects what is not a page, naming the point', () => {
    const bad = JSON.stringify({ timeSeries: [series('7', [point('yesterday', { doubleValue: 1 })])] });
    expect(() => readPageText(bad, new Map(), 'projects/p/timeSeries')).toThrow('point 0 of instance 7: no valid interval.endTime');
    expect(() => readPageText('<html>quota</html>', new Map(), 'projects/p/timeSeries')).toThrow(/not JSON/);
    expect(() => readPageText('{"timeSeries": {}}', new Map(), 'projects/p/timeSeries')).toThrow(/unexpected timeSeries\.list page/);
    // JSON's grammar, not Number()'s: these are not pages.
    for (const text of ['{"nextPageToken": "a"', '{"timeSeries": [], "x": 0x10}', '{"timeSeries": []} []'])
      expect(scanPage(text), text).toBeUndefined();
  });
});
