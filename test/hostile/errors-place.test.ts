/**
 * Errors with a place (issue #13): YAML alias bombs, YAML syntax errors in stack files and
 * Pulumi.yaml, absurdly nested JSON state, and Pulumi files that are silently odd (a duplicate
 * URN, both `checkpoint` and `deployment`) each give one message naming the file (and line and
 * column where there is one), never a bare ReferenceError / RangeError or a wrong inventory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { parseStackConfig } from '../../src/gitops/updaters/stack-config';
import { readPolicyInputs } from '../../src/policy-harness/state';
import { loadPulumiProject, readInventory, readStackConfig } from '../../src/stack';
import { EC2_EXPORT, errorLines, stackfit, tempDir, errorOf, writeIn } from './helpers';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string | Buffer): string => writeIn(dir, name, text);

/** The classic "billion laughs": each level repeats the previous one nine times. */
function aliasBomb(indent: string): string {
  const lines = [`${indent}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  const names = 'abcdefghi';
  for (let i = 1; i < names.length; i++) {
    const prev = names[i - 1]!;
    lines.push(`${indent}${names[i]}: &${names[i]} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

describe('YAML alias bombs and syntax errors name the file, line and column', () => {
  it('in a stack config (read and edit paths), Pulumi.yaml and stackfit.yaml', () => {
    const stackText = `config:\n${aliasBomb('  ')}`;
    const stack = file('Pulumi.bomb.yaml', stackText);
    // The first alias is `*a` on line 3 (line 1 `config:`, line 2 the anchor), after `  b: &b [`.
    const bomb =
      'YAML aliases expand too much at line 3, column 10: a small file whose aliases repeat each other (an "alias bomb") is refused';
    expect(errorOf(() => readStackConfig(stack, 'proj'))).toBe(`${stack}: ${bomb}`);
    const project = file('bomb-project/Pulumi.yaml', `name: p\nruntime: nodejs\nextra:\n${aliasBomb('  ')}`);
    expect(errorOf(() => loadPulumiProject(path.dirname(project)))).toBe(
      `${project}: ${bomb.replace('line 3, column 10', 'line 5, column 10')}`,
    );
    const config = file('bomb-stackfit.yaml', `workloads:\n${aliasBomb('  ')}`);
    expect(errorOf(() => loadConfig(config))).toBe(`${config}: ${bomb}`);
  });

  it('a syntax error in a stack config or Pulumi.yaml', () => {
    const stack = file('Pulumi.broken.yaml', 'config:\n  proj:size: "t3.micro\n  proj:count: 2\n');
    expect(errorOf(() => readStackConfig(stack, 'proj'))).toMatch(new RegExp(`^${stack}: invalid YAML at line \\d+, column \\d+: `));
    expect(errorOf(() => parseStackConfig(fs.readFileSync(stack, 'utf8'), stack))).toMatch(/invalid YAML at line \d+, column \d+: /);
    const project = file('broken-project/Pulumi.yaml', 'name: p\nruntime: [nodejs\n');
    expect(errorOf(() => loadPulumiProject(path.dirname(project)))).toMatch(
      new RegExp(`^${project}: invalid YAML at line \\d+, column \\d+: `),
    );
  });
});

describe('deeply nested YAML is refused with the file, a place and the depth limit (never "Maximum call stack size exceeded")', () => {
  const limit = /^YAML nested more than 256 levels deep at line \d+, column \d+: refused \(stackfit reads at most 256 levels\)$/;
  const flow = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const block = (depth: number) => Array.from({ length: depth }, (_, i) => `${' '.repeat(i + 2)}k${i}:`).join('\n') + ' 1\n';
  const placeOf = (message: string, where: string) => {
    expect(message.startsWith(`${where}: `), message).toBe(true);
    return message.slice(where.length + 2);
  };

  it('stackfit.yaml (flow nesting 20k deep, which overflows the parser): one line from the CLI, exit 1', async () => {
    const config = file('deep-stackfit.yaml', `workloads:\n  web: ${flow(20_000)}\n`);
    const run = await stackfit(['recommend', '--state', EC2_EXPORT, '--config', config]);
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toHaveLength(1);
    expect(placeOf(errorLines(run.stderr)[0]!.replace(/^stackfit: /, ''), config)).toMatch(limit);
    expect(run.stderr).not.toMatch(/call stack/i);
    expect(run.stdout).toBe('');
  });

  it('Pulumi.<stack>.yaml, block and flow, on the read and the edit path; just over the limit too', () => {
    for (const [name, text] of [
      ['Pulumi.block.yaml', `config:\n  proj:deep:\n${block(3000)}`],
      ['Pulumi.flow.yaml', `config:\n  proj:deep: ${flow(20_000)}\n`],
      // Deep enough for the limit, not for the parser: refused by the depth check, at the 257th level.
      ['Pulumi.over.yaml', `config:\n  proj:deep: ${flow(300)}\n`],
    ]) {
      const stack = file(name!, text!);
      expect(
        placeOf(
          errorOf(() => readStackConfig(stack, 'proj')),
          stack,
        ),
        name,
      ).toMatch(limit);
      expect(
        placeOf(
          errorOf(() => parseStackConfig(text!, stack)),
          stack,
        ),
        name,
      ).toMatch(limit);
    }
    expect(errorOf(() => parseStackConfig(`config:\n  proj:deep: ${flow(300)}\n`, 'P.yaml'))).toContain('at line 2, column 268:');
  });

  it('nesting up to the limit still reads', () => {
    // The file's map (1) + `config:` (2) + 254 sequences = 256 levels; the 255th sequence (column 14 + 254) is the 257th level.
    const text = `config:\n  proj:deep: ${flow(254)}\n`;
    expect(() => parseStackConfig(text, 'Pulumi.ok.yaml')).not.toThrow();
    expect(readStackConfig(file('Pulumi.ok.yaml', text), 'proj')).toBeDefined();
  });
});

describe('Pulumi JSON', () => {
  const real = JSON.parse(fs.readFileSync(EC2_EXPORT, 'utf8')) as {
    version: number;
    deployment: { resources: { urn: string; type: string; inputs?: unknown }[] };
  };
  const ec2 = real.deployment.resources.find((r) => r.type === 'aws:ec2/instance:Instance')!;

  it('nested 100k levels deep: a message with file, line and column, for recommend and check alike', async () => {
    const depth = 100_000;
    const deep = { ...ec2, inputs: { ...(ec2.inputs as object), tags: { x: '__DEEP__' } } };
    const text = JSON.stringify({ ...real, deployment: { resources: [deep] } }).replace(
      '"__DEEP__"',
      `${'['.repeat(depth)}${']'.repeat(depth)}`,
    );
    const p = file('deep.json', text);
    const message = /JSON nested more than 512 levels deep at line 1, column \d+: not a Pulumi state or preview$/;
    expect(errorOf(() => readInventory(p))).toMatch(message);
    expect(errorOf(() => readPolicyInputs(p))).toMatch(message);
    const run = await stackfit(['check', '--state', p]);
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toHaveLength(1);
    expect(errorLines(run.stderr)[0]).toMatch(message);
    expect(errorLines(run.stderr)[0]).toContain(p);
  });

  it('nesting up to the limit still reads (brackets inside strings do not count)', () => {
    const tags = { note: '[[[[{{{{'.repeat(200), nested: JSON.parse(`${'['.repeat(400)}${']'.repeat(400)}`) as unknown };
    const p = file(
      'nested-ok.json',
      JSON.stringify({
        ...real,
        deployment: {
          resources: real.deployment.resources.map((r) => (r === ec2 ? { ...r, inputs: { ...(r.inputs as object), tags } } : r)),
        },
      }),
    );
    expect(readInventory(p).workloads).toHaveLength(1);
  });

  it('a duplicate live URN (which would count a VM and its cost twice) is refused, naming the URN and both places', () => {
    const index = real.deployment.resources.indexOf(ec2);
    const p = file('dup-urn.json', JSON.stringify({ ...real, deployment: { resources: [...real.deployment.resources, ec2] } }));
    const last = real.deployment.resources.length;
    expect(errorOf(() => readInventory(p))).toBe(
      `${p}: deployment.resources[${last}]: duplicate URN ${ec2.urn} (also deployment.resources[${index}]): a state lists each live resource once, so it is corrupt or two exports were merged`,
    );
    expect(errorOf(() => readPolicyInputs(p))).toContain(`duplicate URN ${ec2.urn}`);
    // The old copy of a replaced resource (`delete: true`) shares the URN legitimately.
    const replaced = file(
      'replaced.json',
      JSON.stringify({ ...real, deployment: { resources: [...real.deployment.resources, { ...ec2, delete: true }] } }),
    );
    expect(readInventory(replaced).workloads).toHaveLength(1);
  });

  it('a file with both `checkpoint` and `deployment` is refused, naming the file', async () => {
    const p = file('both.json', JSON.stringify({ ...real, checkpoint: { stack: 'test', latest: null } }));
    const message = `${p}: has both \`checkpoint\` and \`deployment\` at the top level: a Pulumi file is one of a stack export ({version, deployment}), a checkpoint ({version, checkpoint}) or a preview ({steps}); refusing to guess which part to read`;
    expect(errorOf(() => readInventory(p))).toBe(message);
    const run = await stackfit(['check', '--state', p]);
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toEqual([`stackfit: ${message}`]);
  });
});
