/**
 * A JSON state or preview with a key twice in one object is refused with file, line and column
 * (issue 13, session 4 hostile run, probe S06): JSON.parse keeps the last silently, so a second
 * `"deployment": {"resources": []}` read as an empty stack (exit 0, nothing to recommend).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { duplicateKeyAt } from '../../src/stack/inventory';
import { EC2_EXPORT, REPO_ROOT, stackfit, tempDir } from './helpers';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const real = fs.readFileSync(EC2_EXPORT, 'utf8');

describe('duplicate JSON keys', () => {
  it('a second top-level "deployment" is refused, not read as an empty stack', async () => {
    const state = JSON.parse(real) as { deployment: unknown };
    const file = path.join(dir, 'two-deployments.json');
    fs.writeFileSync(
      file,
      `{"version": 3,\n "deployment": ${JSON.stringify(state.deployment)},\n "deployment": {"manifest": {}, "resources": []}}`,
    );
    for (const args of [
      ['recommend', '--state', file],
      ['diff', '--base', EC2_EXPORT, '--head', file],
    ]) {
      const run = await stackfit(args);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain(`stackfit: ${file}: invalid JSON at line 3, column 2: duplicate key "deployment" in one object`);
    }
  });

  it('a size given twice inside one resource is refused at its place', () => {
    const twice = real.replace(
      '"instanceType": "t2.micro",',
      '"instanceType": "t2.micro",\n                    "instanceType": "m5.24xlarge",',
    );
    expect(twice).not.toBe(real);
    const dup = duplicateKeyAt(twice)!;
    expect(dup.key).toBe('instanceType');
    expect(twice.slice(dup.offset, dup.offset + 15)).toBe('"instanceType":');
  });

  it('keys compare decoded; the same key in sibling or nested objects, and strings that are values, are fine', () => {
    expect(duplicateKeyAt('{"a": 1, "\\u0061": 2}')?.key).toBe('a');
    expect(duplicateKeyAt('{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}], "c": "a", "d": ["a", "a"]}')).toBeUndefined();
    expect(duplicateKeyAt('{"a\\"b": 1, "x": "\\\\", "a\\"b" : 2}')?.key).toBe('a"b');
  });

  it('every real state, checkpoint and preview file in data/pulumi has none', () => {
    for (const sub of ['stack-export', 'checkpoint', 'preview-json']) {
      const d = path.join(REPO_ROOT, 'data/pulumi', sub);
      for (const f of fs.readdirSync(d).filter((n) => n.endsWith('.json')))
        expect(duplicateKeyAt(fs.readFileSync(path.join(d, f), 'utf8')), f).toBeUndefined();
    }
  });
});
