import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar } from 'yaml';
import { StackfitError, type ConfigEdit, type ConfigRef } from '../../src/model';
import { applyConfigEdits, isSecureValue, listConfigLeaves, parseStackConfig } from '../../src/gitops/updaters/stack-config';
import { changedLines, FIXTURES, readText, realStackConfigFiles, repoStackConfigFiles } from './helpers';

function edit(ref: ConfigRef, from: string | number, to: string | number, file = 'Pulumi.test.yaml'): ConfigEdit {
  return { file, stack: 'test', ref, from, to, urns: [] };
}

/** The value comes after the key on its line (the key may be spelled like the value: `plain: plain`). */
function replaceLast(line: string, old: string, next: string): string {
  const at = line.lastIndexOf(old);
  return at < 0 ? line : line.slice(0, at) + next + line.slice(at + old.length);
}

function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** A new value for a leaf that keeps its type (so plain scalars stay plain). */
function newValueFor(value: string | number | boolean | null): string | number {
  if (typeof value === 'number') return value + 1;
  if (typeof value === 'boolean') return String(!value);
  return `${String(value)}-new`;
}

/** Refs of every secure value in a file, and of a path inside each. */
function secureRefs(text: string): ConfigRef[] {
  const parsed = parseStackConfig(text, 'x');
  const out: ConfigRef[] = [];
  const walk = (node: unknown, key: string, p: (string | number)[]): void => {
    if (isSecureValue(node)) {
      out.push({ key, path: p }, { key, path: [...p, 'secure'] });
    } else if (isMap(node)) {
      for (const pair of node.items) if (isScalar(pair.key)) walk(pair.value, key, [...p, String(pair.key.value)]);
    }
  };
  for (const pair of parsed.config?.items ?? []) if (isScalar(pair.key)) walk(pair.value, String(pair.key.value), []);
  return out;
}

const realFiles = realStackConfigFiles();
const repoStacks = repoStackConfigFiles();

/**
 * The file with a YAML anchor put on one value (a map entry on a line of its own) and an alias of
 * it added as the next entry, or undefined when the file has no such value.
 */
function withAlias(text: string, name: string): { text: string; anchored: ConfigRef; alias: ConfigRef; value: string } | undefined {
  const lines = text.split(/(?<=\n)/);
  for (const leaf of listConfigLeaves(parseStackConfig(text, name))) {
    const line = lines[leaf.line - 1]!;
    const value = String(leaf.value);
    const raw = [`"${value}"`, `'${value}'`, value].find((r) => line.includes(r));
    if (raw === undefined || /^\s*-|[{[]/.test(line) || /[|>]\s*$/.test(line) || !line.includes(':')) continue;
    const indent = /^\s*/.exec(line)![0];
    const eol = line.endsWith('\r\n') ? '\r\n' : '\n';
    const top = leaf.ref.path.length === 0;
    const copyKey = top ? `${leaf.ref.key.split(':')[0]}:stackfit-copy` : 'stackfitCopy';
    const copy = `${indent}${copyKey}: *stackfit_a${eol}`;
    const anchoredLine = replaceLast(line, raw, `&stackfit_a ${raw}`);
    const out = [
      ...lines.slice(0, leaf.line - 1),
      line.endsWith('\n') ? anchoredLine : `${anchoredLine}${eol}`,
      copy,
      ...lines.slice(leaf.line),
    ];
    const alias: ConfigRef = top ? { key: copyKey, path: [] } : { key: leaf.ref.key, path: [...leaf.ref.path.slice(0, -1), copyKey] };
    return { text: out.join(''), anchored: leaf.ref, alias, value };
  }
  return undefined;
}

describe('applyConfigEdits on every real stack config file', () => {
  it('finds the real files and the example project stacks', () => {
    expect(realFiles.length).toBeGreaterThanOrEqual(7);
    expect(repoStacks.map((f) => path.basename(f))).toEqual(['Pulumi.dev.yaml', 'Pulumi.platform.yaml', 'Pulumi.prod.yaml']);
  });

  for (const file of [...realFiles, ...repoStacks]) {
    const name = path.relative(path.dirname(path.dirname(file)), file);
    for (const [variant, load] of [
      ['LF', (t: string) => t],
      ['CRLF', crlf],
    ] as const) {
      it(`${name} (${variant}): each value edited alone changes exactly its own line`, () => {
        const text = load(readText(file));
        const leaves = listConfigLeaves(parseStackConfig(text, name));
        expect(leaves.length).toBeGreaterThan(0);
        for (const leaf of leaves) {
          const to = newValueFor(leaf.value);
          const out = applyConfigEdits(text, [edit(leaf.ref, String(leaf.value), to)], name);
          const diff = changedLines(text, out);
          expect(diff, `${name} ${leaf.ref.key}`).toHaveLength(1);
          expect(diff[0]!.line).toBe(leaf.line);
          // Same indentation, key, quotes, comment and line ending: only the value's text differs.
          expect(diff[0]!.after).toBe(replaceLast(diff[0]!.before, String(leaf.value), String(to)));
          if (variant === 'CRLF') expect(diff[0]!.after.endsWith('\r\n')).toBe(true);
          // And the value reads back as the new one, with the same type.
          const back = listConfigLeaves(parseStackConfig(out, name)).find((l) => JSON.stringify(l.ref) === JSON.stringify(leaf.ref));
          expect(String(back?.value)).toBe(String(to));
          expect(typeof back?.value).toBe(typeof leaf.value === 'boolean' ? 'boolean' : typeof leaf.value);
        }
      });
    }

    it(`${name}: refuses to edit on or inside any secure value, leaving nothing half-done`, () => {
      const text = readText(file);
      for (const ref of secureRefs(text)) {
        expect(() => applyConfigEdits(text, [edit(ref, 'x', 'y')], name)).toThrow(/secure \(encrypted\) value/);
      }
    });

    it(`${name}: refuses an edit through a YAML alias, or of the anchor an alias repeats`, () => {
      const aliased = withAlias(readText(file), name);
      expect(aliased, 'a value on a line of its own to anchor').toBeDefined();
      const { text, anchored, alias, value } = aliased!;
      // The alias really reads as the anchored value (the file is valid YAML).
      const leaves = listConfigLeaves(parseStackConfig(text, name));
      expect(leaves.filter((l) => String(l.value) === value).length).toBeGreaterThanOrEqual(1);
      expect(() => applyConfigEdits(text, [edit(alias, value, `${value}-new`)], name)).toThrow(/is a YAML alias \(\*stackfit_a\)/);
      expect(() => applyConfigEdits(text, [edit(anchored, value, `${value}-new`)], name)).toThrow(/is a YAML anchor \(&stackfit_a\)/);
    });
  }

  it('lists no secure value among the leaves (so inference can never pick one)', () => {
    for (const file of realFiles) {
      const text = readText(file);
      const leaves = listConfigLeaves(parseStackConfig(text, file));
      for (const leaf of leaves) expect(String(leaf.value)).not.toMatch(/^(v1:|AAAB)/);
    }
  });
});

describe('applyConfigEdits: keys, paths and quoting', () => {
  const nested = readText(realFiles.find((f) => f.endsWith('pulumi-auto-nested_config.Pulumi.dev.yaml'))!);
  const automation = readText(realFiles.find((f) => f.endsWith('pulumi-python-automation-yaml.Pulumi.dev.yaml'))!);
  const kluster = readText(realFiles.find((f) => f.endsWith('Aetf-kluster-code.Pulumi.dev.yaml'))!);

  it('accepts a bare ref for a namespaced key and a namespaced ref for a bare key when the project is known', () => {
    const a = applyConfigEdits(nested, [edit({ key: 'foo', path: [] }, 'aha', 'oho')], 'n', { projectName: 'nested_config' });
    expect(changedLines(nested, a)).toEqual([{ line: 4, before: '  nested_config:foo: aha\n', after: '  nested_config:foo: oho\n' }]);
    const b = applyConfigEdits(automation, [edit({ key: 'proj:plain', path: [] }, 'plain', 'changed')], 'a', { projectName: 'proj' });
    expect(changedLines(automation, b)).toEqual([{ line: 5, before: '    plain: plain\n', after: '    plain: changed\n' }]);
    // Without the project name a namespaced ref never silently lands on a bare key.
    expect(() => applyConfigEdits(automation, [edit({ key: 'proj:plain', path: [] }, 'plain', 'x')], 'a')).toThrow(
      /config key proj:plain is not set/,
    );
    // Another namespace is another key.
    expect(() => applyConfigEdits(nested, [edit({ key: 'aws:foo', path: [] }, 'aha', 'x')], 'n', { projectName: 'nested_config' })).toThrow(
      /not set/,
    );
  });

  it('walks nested objects and lists (numeric or numeric-string index)', () => {
    const out = applyConfigEdits(nested, [
      edit({ key: 'nested_config:outer', path: ['inner'] }, 'my_value', 'new_value'),
      edit({ key: 'nested_config:myList', path: ['1'] }, 'two', 'deux'),
    ]);
    expect(changedLines(nested, out).map((d) => d.after)).toEqual(['    - deux\n', '    inner: new_value\n']);
  });

  it('keeps double quotes on a quoted value and quotes a plain string that would read as another type', () => {
    const out = applyConfigEdits(kluster, [
      edit({ key: 'kubernetes:enableServerSideApply', path: [] }, 'true', 'false'),
      edit({ key: 'image:nginx', path: [] }, 'docker.io/bitnami/nginx:1.25.2-debian-11-r14', 'true'),
    ]);
    expect(changedLines(kluster, out).map((d) => d.after)).toEqual([
      '  kubernetes:enableServerSideApply: "false"\n',
      '  image:nginx: "true"\n',
    ]);
    expect(parseStackConfig(out, 'k').doc.toJS().config['image:nginx']).toBe('true');
  });

  it('keeps single quotes, flow maps, trailing comments and CRLF in the example-format fixture', () => {
    for (const text of [
      readText(path.join(FIXTURES, 'Pulumi.commented.yaml')),
      crlf(readText(path.join(FIXTURES, 'Pulumi.commented.yaml'))),
    ]) {
      const eol = text.includes('\r\n') ? '\r\n' : '\n';
      const out = applyConfigEdits(text, [
        edit({ key: 'stackfit-demo:workloads', path: ['web', 'size'] }, 'm5.large', 'm6i.large'),
        edit({ key: 'stackfit-demo:workloads', path: ['api', 'size'] }, 'c5.large', 'c6i.large'),
        edit({ key: 'stackfit-demo:workloads', path: ['api', 'cloud'] }, 'aws', 'gcp'),
        edit({ key: 'stackfit-demo:workloads', path: ['batch', 'size'] }, 'm5.xlarge', 'm5.2xlarge'),
        edit({ key: 'stackfit-demo:cacheSizes', path: [1] }, 'm6g.large', 'm7g.large'),
      ]);
      expect(changedLines(text, out).map((d) => d.after)).toEqual([
        `      size: m6i.large   # sized for the spring peak${eol}`,
        `      size: "c6i.large"${eol}`,
        `      cloud: 'gcp'${eol}`,
        `    batch: {size: 'm5.2xlarge', cloud: aws, region: us-east-1, count: 1, group: backend}${eol}`,
        `    - 'm7g.large'${eol}`,
      ]);
    }
  });

  it('edits a number value as a number (count)', () => {
    const text = readText(path.join(FIXTURES, 'Pulumi.commented.yaml'));
    const out = applyConfigEdits(text, [edit({ key: 'stackfit-demo:workloads', path: ['web', 'count'] }, 3, 4)]);
    expect(changedLines(text, out).map((d) => d.after)).toEqual(['      count: 4\n']);
    expect(parseStackConfig(out, 'x').doc.toJS().config['stackfit-demo:workloads'].web.count).toBe(4);
  });

  it('returns the text unchanged for no edits, and accepts the same edit twice', () => {
    const text = readText(path.join(FIXTURES, 'Pulumi.commented.yaml'));
    expect(applyConfigEdits(text, [])).toBe(text);
    const e = edit({ key: 'stackfit-demo:bastionSize', path: [] }, 't3.medium', 't3.small');
    expect(changedLines(text, applyConfigEdits(text, [e, e]))).toHaveLength(1);
  });
});

describe('applyConfigEdits: adding and removing keys', () => {
  const fixture = readText(path.join(FIXTURES, 'Pulumi.commented.yaml'));
  const key = 'stackfit-demo:workloads';
  const add = (p: (string | number)[], to: string | number): ConfigEdit => ({ ...edit({ key, path: p }, '', to), op: 'add' });
  const remove = (p: (string | number)[], from: string): ConfigEdit => ({ ...edit({ key, path: p }, from, ''), op: 'remove' });

  it('removes exactly the key line and adds one line after the last one-line entry, in LF and CRLF', () => {
    for (const eol of ['\n', '\r\n']) {
      const text = fixture.replace(/\n/g, eol);
      const out = applyConfigEdits(text, [
        remove(['search', 'zone'], 'europe-west1-c'),
        add(['web', 'arch'], 'arm64'),
        add(['web', 'note'], 'true'),
      ]);
      expect(out).toBe(
        text
          .replace(`      zone: europe-west1-c${eol}`, '')
          .replace(`      group: frontend${eol}`, `      group: frontend${eol}      arch: arm64${eol}      note: "true"${eol}`),
      );
    }
  });

  it('adds after the last line even without a final newline, and adds numbers plainly', () => {
    const text = 'config:\n  p:w:\n    a: 1\n    b: x';
    expect(applyConfigEdits(text, [{ ...edit({ key: 'p:w', path: ['c'] }, '', 3), op: 'add' }])).toBe(
      'config:\n  p:w:\n    a: 1\n    b: x\n    c: 3',
    );
  });

  it('refuses stale adds and removes, flow objects, list items and removing the only key', () => {
    expect(() => applyConfigEdits(fixture, [add(['web', 'size'], 'm5.large')])).toThrow(
      /stale plan: stackfit-demo:workloads\.web\.size is already set \(to "m5\.large"\)/,
    );
    expect(() => applyConfigEdits(fixture, [remove(['search', 'zone'], 'europe-west1-b')])).toThrow(
      /stale plan: .*search\.zone .* is "europe-west1-c"/,
    );
    expect(() => applyConfigEdits(fixture, [add(['batch', 'arch'], 'arm64')])).toThrow(/only be added to block \(indented\) objects/);
    expect(() => applyConfigEdits(fixture, [remove(['batch', 'group'], 'backend')])).toThrow(
      /only be removed from block \(indented\) objects/,
    );
    expect(() =>
      applyConfigEdits(fixture, [{ ...edit({ key: 'stackfit-demo:cacheSizes', path: [0] }, 'r5.large', ''), op: 'remove' }]),
    ).toThrow(/list items are not removed/);
    expect(() => applyConfigEdits('config:\n  p:w:\n    a: 1\n', [{ ...edit({ key: 'p:w', path: ['a'] }, 1, ''), op: 'remove' }])).toThrow(
      /only key of its object/,
    );
    expect(() => applyConfigEdits(fixture, [add(['web', 'arch'], 'arm64'), add(['web', 'arch'], 'amd64')])).toThrow(/edited twice/);
    // Adding after the line that is removed still does both.
    expect(applyConfigEdits(fixture, [add(['web', 'arch'], 'arm64'), remove(['web', 'group'], 'frontend')])).toBe(
      fixture.replace('      group: frontend\n', '      arch: arm64\n'),
    );
  });

  it('never adds into or removes a secure value', () => {
    expect(() => applyConfigEdits(fixture, [{ ...edit({ key: 'stackfit-demo:dbPassword', path: ['x'] }, '', 'y'), op: 'add' }])).toThrow(
      /parent is not an object/,
    );
    expect(() => applyConfigEdits(fixture, [{ ...edit({ key: 'stackfit-demo:dbPassword', path: [] }, 'x', ''), op: 'remove' }])).toThrow(
      /secure \(encrypted\) value/,
    );
  });
});

describe('applyConfigEdits: refusals', () => {
  const fixture = readText(path.join(FIXTURES, 'Pulumi.commented.yaml'));
  const where = 'stacks/Pulumi.prod.yaml';

  it('refuses a stale plan, naming file, key, path, line and the value found', () => {
    const run = () =>
      applyConfigEdits(fixture, [edit({ key: 'stackfit-demo:workloads', path: ['web', 'size'] }, 'm5.xlarge', 'm5.large', where)]);
    expect(run).toThrow(StackfitError);
    expect(run).toThrow(
      'stacks/Pulumi.prod.yaml: stale plan: stackfit-demo:workloads.web.size (line 11) is "m5.large", the plan expected "m5.xlarge"; re-run stackfit',
    );
  });

  it('refuses missing keys and paths, and paths through plain values', () => {
    expect(() => applyConfigEdits(fixture, [edit({ key: 'stackfit-demo:workloads', path: ['nope', 'size'] }, 'a', 'b')], where)).toThrow(
      /stackfit-demo:workloads has no key "nope"/,
    );
    expect(() => applyConfigEdits(fixture, [edit({ key: 'stackfit-demo:cacheSizes', path: [5] }, 'a', 'b')], where)).toThrow(
      /has no list item 5/,
    );
    expect(() => applyConfigEdits(fixture, [edit({ key: 'aws:region', path: ['x'] }, 'a', 'b')], where)).toThrow(
      /is not an object or list/,
    );
    expect(() => applyConfigEdits(fixture, [edit({ key: 'stackfit-demo:workloads', path: ['web'] }, 'a', 'b')], where)).toThrow(
      /not a plain value/,
    );
  });

  it('refuses edits into the secure value next to the workloads', () => {
    expect(() => applyConfigEdits(fixture, [edit({ key: 'stackfit-demo:dbPassword', path: ['secure'] }, 'x', 'y')], where)).toThrow(
      /stackfit-demo:dbPassword is a secure \(encrypted\) value/,
    );
  });

  it('refuses to edit a YAML anchor that aliases repeat', () => {
    const text = 'config:\n  p:a: &size m5.large\n  p:b: *size\n';
    expect(() => applyConfigEdits(text, [edit({ key: 'p:a', path: [] }, 'm5.large', 'm5.xlarge')], where)).toThrow(
      /p:a is a YAML anchor \(&size\)/,
    );
  });

  it('refuses conflicting edits of one value', () => {
    const ref = { key: 'stackfit-demo:bastionSize', path: [] };
    expect(() => applyConfigEdits(fixture, [edit(ref, 't3.medium', 't3.small'), edit(ref, 't3.medium', 't3.large')], where)).toThrow(
      /conflicting edits/,
    );
  });

  it('reports invalid YAML with the file and line', () => {
    const broken = fixture.replace('      cloud: aws\n', '      cloud: [aws\n');
    expect(() => applyConfigEdits(broken, [edit({ key: 'aws:region', path: [] }, 'us-east-1', 'us-west-2')], where)).toThrow(
      /^stacks\/Pulumi\.prod\.yaml: invalid YAML at line \d+, column \d+/,
    );
    expect(() => parseStackConfig('config:\n  a: 1\n  a: 2\n', 'Pulumi.dup.yaml')).toThrow(/Pulumi\.dup\.yaml: invalid YAML at line 3/);
  });
});

describe('applyConfigEdits on the example project stacks', () => {
  const stacksDir = path.resolve(__dirname, '../../stacks');
  for (const stack of ['prod', 'dev']) {
    const file = path.join(stacksDir, `Pulumi.${stack}.yaml`);
    it(`stacks/Pulumi.${stack}.yaml: changing one workload's size, cloud and region changes exactly those lines`, () => {
      const text = readText(file);
      const parsed = parseStackConfig(text, file);
      const workloads = parsed.doc.toJS().config['stackfit-demo:workloads'] as Record<
        string,
        { size: string; cloud: string; region: string }
      >;
      const names = Object.keys(workloads);
      expect(names.length).toBeGreaterThan(0);
      for (const variant of [text, crlf(text)]) {
        for (const name of names) {
          const w = workloads[name]!;
          const key = 'stackfit-demo:workloads';
          const out = applyConfigEdits(variant, [
            edit({ key, path: [name, 'size'] }, w.size, `${w.size}-next`),
            edit({ key, path: [name, 'region'] }, w.region, `${w.region}-next`),
          ]);
          const diff = changedLines(variant, out);
          expect(diff).toHaveLength(2);
          for (const d of diff) expect(d.after).toMatch(/-next["']?( +#.*)?\r?\n$/);
        }
      }
    });
  }
});
