/**
 * The usage-source registry: a spec reaches exactly the source that claims it, a source's
 * stackfit.yaml options (`usage.<key>`) are checked by its own schema and reach the adapter, and
 * the "which cloud" filter and hints come from the registry, not from code naming sources.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig, stackfitConfigSchema } from '../../src/config';
import { StackfitError, type Workload } from '../../src/model';
import type { OpenContext } from '../../src/usage/contract';
import { fetchUsage } from '../../src/usage/fetch';
import { usageSources, usageSourcesFor, usageSpecForms } from '../../src/usage/registry';
import { resolveUsageSources } from '../../src/usage/resolve';

const ctx = (usageConfig: Record<string, unknown> = {}): OpenContext => ({
  usageConfig,
  overrides: {},
  env: {},
  onProgress: () => undefined,
});

function claimedBy(spec: string): string[] {
  return usageSources.filter((s) => s.open(spec, ctx()) !== undefined).map((s) => s.name);
}

describe('usage-source registry', () => {
  it('names and keys are unique, and the file source is last (it takes any path)', () => {
    expect(new Set(usageSources.map((s) => s.name)).size).toBe(usageSources.length);
    expect(new Set(usageSources.map((s) => s.key)).size).toBe(usageSources.length);
    expect(usageSources.at(-1)?.name).toBe('file');
  });

  it.each([
    ['prometheus://127.0.0.1:9090', 'prometheus'],
    ['prometheus+https://prom.example/api', 'prometheus'],
    ['cloudwatch', 'cloudwatch'],
    ['cloudwatch:eu-west-1', 'cloudwatch'],
    ['azure-monitor', 'azure-monitor'],
    ['gcp-monitoring:stackfit-prod', 'gcp-monitoring'],
    ['usage/prod.csv', 'file'],
    ['C:\\usage\\prod.csv', 'file'],
  ])('%s is claimed by %s only (and by the file source only when nothing else claims it)', (spec, name) => {
    const claimed = claimedBy(spec);
    expect(claimed[0]).toBe(name);
    expect(claimed.filter((n) => n !== 'file')).toEqual(name === 'file' ? [] : [name]);
  });

  it('an unknown scheme is refused, listing every registered form', () => {
    const config = stackfitConfigSchema.parse({});
    expect(() => resolveUsageSources(['influx://h:8086'], { config })).toThrow(StackfitError);
    expect(() => resolveUsageSources(['influx://h:8086'], { config })).toThrow(
      `influx://h:8086: unknown usage source: expected ${usageSpecForms()}`,
    );
    for (const s of usageSources) for (const form of s.forms) expect(usageSpecForms()).toContain(form);
  });

  it('cloud sources serve their cloud only; resolved sources carry it', () => {
    expect(usageSourcesFor('aws')).toEqual(['cloudwatch']);
    expect(usageSourcesFor('azure')).toEqual(['azure-monitor']);
    expect(usageSourcesFor('gcp')).toEqual(['gcp-monitoring']);
    const resolved = resolveUsageSources(['cloudwatch', 'azure-monitor', 'gcp-monitoring', 'prometheus://127.0.0.1:1', 'u.csv'], {
      config: stackfitConfigSchema.parse({}),
      cache: false,
    });
    expect(resolved.map((r) => r.cloud)).toEqual(['aws', 'azure', 'gcp', undefined, undefined]);
  });

  it("fetchUsage gives a source with a cloud only that cloud's workloads, and one without a cloud all of them", async () => {
    const mk = (name: string, cloud: Workload['cloud']): Workload => ({
      urn: `urn:${name}`,
      name,
      type: 't',
      kind: 'vm',
      cloud,
      region: 'r',
      size: 's',
      count: 1,
      metricIds: { name },
    });
    const ws = [mk('a', 'aws'), mk('z', 'azure'), mk('g', 'gcp')];
    const asked: Record<string, string[]> = {};
    const spy = (name: string, cloud?: Workload['cloud']) => ({
      name,
      ...(cloud ? { cloud } : {}),
      fetch: async (w: readonly Workload[]) => {
        asked[name] = w.map((x) => x.name);
        return { series: new Map(), missing: [] };
      },
    });
    await fetchUsage([spy('aws-only', 'aws'), spy('any')], ws, { start: new Date(0), end: new Date(3_600_000), stepSeconds: 300 });
    expect(asked).toEqual({ 'aws-only': ['a'], any: ['a', 'z', 'g'] });
  });

  it('a workload no source serves is missing, with the hint for its cloud taken from the registry', async () => {
    const w: Workload = {
      urn: 'urn:a',
      name: 'a',
      type: 'gcp:compute/instance:Instance',
      kind: 'vm',
      cloud: 'gcp',
      region: 'europe-west4',
      size: 'e2-small',
      count: 1,
      metricIds: { name: 'a' },
    };
    const range = { start: new Date(0), end: new Date(3_600_000), stepSeconds: 300 };
    const got = await fetchUsage([], [w], range);
    expect(got.missing).toEqual([
      { urn: 'urn:a', reason: 'no usage source for gcp workloads (add gcp-monitoring, a Prometheus or a usage file)' },
    ]);
  });
});

describe('usage.<key> options in stackfit.yaml', () => {
  it('reach the adapter: usage.cloudwatch.statistic, usage.azureMonitor.aggregation, usage.gcpMonitoring.aligner', () => {
    const config = parseConfig(
      'usage:\n  cloudwatch: {statistic: Maximum}\n  azureMonitor: {aggregation: Maximum}\n  gcpMonitoring: {aligner: ALIGN_MAX}\n',
    );
    const keyOf = (spec: string): string | undefined => usageSources.map((s) => s.open(spec, ctx(config.usage))).find((b) => b)?.cacheKey;
    expect(keyOf('cloudwatch')).toBe('Maximum');
    expect(keyOf('azure-monitor')).toBe('Maximum');
    expect(keyOf('gcp-monitoring')).toBe('ALIGN_MAX');
    const defaults = parseConfig('usage: {}\n').usage;
    const defaultKey = (spec: string): string | undefined => usageSources.map((s) => s.open(spec, ctx(defaults))).find((b) => b)?.cacheKey;
    expect([defaultKey('cloudwatch'), defaultKey('azure-monitor'), defaultKey('gcp-monitoring')]).toEqual([
      'Average',
      'Average',
      'ALIGN_MEAN',
    ]);
  });

  it('usage.prometheus settings change the query the source sends', () => {
    const config = parseConfig('usage:\n  prometheus: {joinLabel: host, cpuQuery: "sum by ({{joinLabel}}) (my_cpu{ {{selector}} })"}\n');
    const built = usageSources[0].open('prometheus://127.0.0.1:1', ctx(config.usage));
    expect(built?.cacheKey).toContain('my_cpu');
    expect(built?.cacheKey).toContain('host');
  });

  it('are checked by the source’s own schema: a bad value or a misspelt key names the field', () => {
    expect(() => parseConfig('usage:\n  cloudwatch: {statistic: Median}\n')).toThrow(/usage\.cloudwatch\.statistic/);
    expect(() => parseConfig('usage:\n  gcpMonitoring: {aligner: ALIGN_MAX, alignr: x}\n')).toThrow(
      'usage.gcpMonitoring.alignr (line 2): Unrecognized key "alignr"; did you mean "aligner"?',
    );
  });
});
