/**
 * Edits through YAML anchors and aliases: an edit inside an anchored map (or reached through an
 * alias) would silently change every alias too. It is refused and listed as a manual change for
 * that edit only; the run's other edits go on.
 */
import { describe, expect, it } from 'vitest';
import { planToEdits } from '../../src/gitops/edits';
import { runPullRequests } from '../../src/gitops/run';
import { applyConfigEdits } from '../../src/gitops/updaters/stack-config';
import { planOf, PROD_CONFIG_FILE, PROD_CONFIG_TEXT, PROJECT_NAME, resize, testConfig } from '../gitops-pr/helpers';
import { parse } from 'yaml';

/** The example prod config with `web`'s spec anchored and repeated by an alias. */
const ANCHORED = (() => {
  const text = PROD_CONFIG_TEXT.replace('    web:\n      cloud: aws', '    web: &fleet\n      cloud: aws');
  expect(text).not.toBe(PROD_CONFIG_TEXT);
  return `${text.trimEnd()}\n    web-canary: *fleet\n`;
})();

/** `cache`'s spec reached through an alias of another entry. */
const ALIASED = (() => {
  const start = PROD_CONFIG_TEXT.indexOf('    cache:\n');
  const end = PROD_CONFIG_TEXT.indexOf('\n\n', start);
  expect(start).toBeGreaterThan(0);
  const spec = PROD_CONFIG_TEXT.slice(start, end).replace('    cache:\n', '    cache-spec: &cachespec\n');
  return `${PROD_CONFIG_TEXT.slice(0, start)}${spec}\n    cache: *cachespec\n${PROD_CONFIG_TEXT.slice(end)}`;
})();

const input = (configText: string, items = [resize('web', 'm5.xlarge'), resize('cache', 'r5.xlarge')]) => ({
  plan: planOf(items),
  stack: 'prod',
  configFile: PROD_CONFIG_FILE,
  configText,
  config: testConfig(),
  projectName: PROJECT_NAME,
});

describe('YAML anchors and aliases in the stack config', () => {
  it('an edit inside an anchored map is a manual change; the other edit goes on and changes only its line', () => {
    expect(
      (parse(ANCHORED) as { config: Record<string, Record<string, unknown>> }).config['stackfit-demo:workloads']!['web-canary'],
    ).toMatchObject({ size: 'm5.2xlarge' });
    const { edits, manual } = planToEdits(input(ANCHORED));
    expect(manual).toEqual([
      expect.objectContaining({
        urn: expect.stringMatching(/::web$/),
        property: 'size',
        from: 'm5.2xlarge',
        to: 'm5.xlarge',
        reason: expect.stringContaining('inside the YAML anchor &fleet'),
      }),
    ]);
    expect(edits.map((e) => e.ref.path.join('.'))).toEqual(['cache.size']);
    const after = applyConfigEdits(ANCHORED, edits, PROD_CONFIG_FILE);
    const workloads = (parse(after) as { config: Record<string, Record<string, { size: string }>> }).config['stackfit-demo:workloads']!;
    expect(workloads.web!.size).toBe('m5.2xlarge');
    expect(workloads['web-canary']!.size).toBe('m5.2xlarge');
    expect(workloads.cache!.size).toBe('r5.xlarge');
  });

  it('a value reached through an alias is a manual change', () => {
    const { edits, manual } = planToEdits(input(ALIASED));
    expect(manual.map((m) => [m.urn.split('::').pop(), m.reason])).toEqual([
      ['cache', expect.stringMatching(/alias \(\*cachespec\)|anchor &cachespec/)],
    ]);
    expect(edits.map((e) => e.ref.path.join('.'))).toEqual(['web.size']);
  });

  it('the pr run goes on: one branch with the other edit, the anchored one listed for a manual edit', async () => {
    const lines: string[] = [];
    const result = await runPullRequests({ ...input(ANCHORED), mode: 'api', dryRun: true, log: (l) => lines.push(l) });
    expect(result.groups).toEqual([expect.objectContaining({ branch: 'stackfit/prod', manual: 1 })]);
    const out = lines.join('\n');
    expect(out).toContain('cache');
    expect(out).toContain('&fleet');
  });
});
