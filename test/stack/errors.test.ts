import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StackfitError } from '../../src/model';
import { parseInventory, readInventory } from '../../src/stack';

const DATA = path.resolve(__dirname, '../../data/pulumi');
const tmp = mkdtempSync(path.join(tmpdir(), 'stackfit-inventory-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const target = path.join(tmp, name);
  writeFileSync(target, text);
  return target;
}

function errorOf(fn: () => unknown): StackfitError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StackfitError);
    return err as StackfitError;
  }
  throw new Error('expected a StackfitError');
}

const realFiles = ['stack-export', 'checkpoint', 'preview-json'].flatMap((dir) =>
  readdirSync(path.join(DATA, dir)).map((name) => path.join(DATA, dir, name)),
);

describe('truncated and corrupt JSON', () => {
  it.each(realFiles)('a truncated copy of %s names the file and where it ends', (real) => {
    const text = readFileSync(real, 'utf8');
    const cut = text.slice(0, Math.floor(text.length * 0.6));
    const target = write(`truncated-${path.basename(real)}`, cut);
    const lines = cut.split('\n');
    const err = errorOf(() => readInventory(target));
    expect(err.where).toBe(target);
    expect(err.message).toContain(target);
    // The parser stops at the end of the cut text: last line, or the line after a trailing newline.
    const line = Number(/line (\d+), column \d+/.exec(err.message)?.[1]);
    expect([lines.length, lines.length - 1]).toContain(line);
    expect(err.message).toMatch(/invalid JSON at line \d+, column \d+: .*truncated/);
  });

  it('points at a syntax error in the middle of a file', () => {
    const text = readFileSync(path.join(DATA, 'stack-export/pulumi-aws-recorded-ec2-instance-5.42.0.stack.json'), 'utf8');
    // Drop the colon after `"instanceType"` on its first occurrence.
    const broken = text.replace('"instanceType": "t2.micro"', '"instanceType" "t2.micro"');
    const before = broken.slice(0, broken.indexOf('"instanceType" "t2.micro"'));
    const lineNo = before.split('\n').length;
    // The parser stops at the value where the colon should have been.
    const column = broken.split('\n')[lineNo - 1]!.indexOf('"t2.micro"') + 1;
    const err = errorOf(() => readInventory(write('broken.json', broken)));
    expect(err.message).toBe(`${err.where}: invalid JSON at line ${lineNo}, column ${column}: colon expected`);
  });

  it('says so for an empty file and a missing file', () => {
    expect(errorOf(() => readInventory(write('empty.json', '  \n'))).message).toContain('empty file');
    const missing = path.join(tmp, 'nope.json');
    expect(errorOf(() => readInventory(missing)).message).toBe(`${missing}: cannot read stack file: ENOENT`);
  });
});

describe('schema violations name the field', () => {
  const exportDoc = (): Record<string, any> =>
    JSON.parse(readFileSync(path.join(DATA, 'stack-export/stratify-sample-export.json'), 'utf8'));

  it('a resource without a type', () => {
    const doc = exportDoc();
    delete doc.deployment.resources[3].type;
    expect(errorOf(() => parseInventory(doc, 'state.json')).message).toMatch(
      /^state\.json: not a valid stack export: deployment\.resources\[3\]\.type: /,
    );
  });

  it('outputs that are not an object', () => {
    const doc = exportDoc();
    doc.deployment.resources[2].outputs = 'oops';
    expect(errorOf(() => parseInventory(doc, 'state.json')).message).toContain('deployment.resources[2].outputs');
  });

  it('a preview step without a urn', () => {
    const doc = JSON.parse(readFileSync(path.join(DATA, 'preview-json/stratify-sample-preview-update.json'), 'utf8'));
    delete doc.steps[5].urn;
    expect(errorOf(() => parseInventory(doc, 'preview.json')).message).toContain('not a valid preview JSON: steps[5].urn');
  });

  it('a checkpoint without its stack', () => {
    const doc = JSON.parse(readFileSync(path.join(DATA, 'checkpoint/pulumi-checkpoint-v3-secrets-b64.json'), 'utf8'));
    delete doc.checkpoint.stack;
    expect(errorOf(() => parseInventory(doc, 'cp.json')).message).toContain('not a valid checkpoint file: checkpoint.stack');
  });

  it('an unsupported deployment version', () => {
    const doc = exportDoc();
    doc.version = 2;
    expect(errorOf(() => parseInventory(doc, 'old.json')).message).toContain('unsupported deployment version 2');
  });

  it('a JSON document that is not Pulumi state at all', () => {
    expect(errorOf(() => parseInventory({ name: 'package' }, 'package.json')).message).toMatch(
      /^package\.json: not a Pulumi stack file: expected `pulumi stack export` output/,
    );
    expect(errorOf(() => parseInventory([1, 2], 'list.json')).message).toContain('not a Pulumi stack file');
  });
});
