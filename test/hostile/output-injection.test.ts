/**
 * Untrusted text (a size or name from a state file or preview) cannot inject terminal escapes or
 * GitHub Actions workflow commands into stackfit's output: control characters are shown as
 * escapes and no printed line starts with `::`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { escapeControl, neutralizeWorkflowCommands } from '../../src/redact';
import { EC2_EXPORT, stackfit, tempDir } from './helpers';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const EVIL = 't3.nano\n::error file=x::pwned\u001b]0;owned\u0007\u001b[2J\r::add-mask::x\u202e';

function headWithSize(size: string): string {
  const state = JSON.parse(fs.readFileSync(EC2_EXPORT, 'utf8')) as {
    deployment: { resources: { type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[] };
  };
  for (const r of state.deployment.resources) {
    if (r.type !== 'aws:ec2/instance:Instance') continue;
    if (r.inputs) r.inputs.instanceType = size;
    if (r.outputs) r.outputs.instanceType = size;
  }
  const file = path.join(dir, 'head.json');
  fs.writeFileSync(file, JSON.stringify(state));
  return file;
}

function expectInert(text: string): void {
  // eslint-disable-next-line no-control-regex -- control characters are what must not get through
  expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  for (const line of text.split('\n')) expect(line.trimStart().startsWith('::'), line).toBe(false);
}

describe('output injection', () => {
  it.each(['table', 'markdown', 'json'])('diff --format %s: a size with a newline, ::error:: and escapes stays inert', async (format) => {
    const run = await stackfit(['diff', '--base', EC2_EXPORT, '--head', headWithSize(EVIL), '--format', format]);
    expect(run.stderr).not.toContain('UNCAUGHT');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('pwned'); // shown, not dropped
    expectInert(run.stdout);
    expectInert(run.stderr);
  });

  it('the same in a report file (--output)', async () => {
    const out = path.join(dir, 'diff.md');
    const run = await stackfit(['diff', '--base', EC2_EXPORT, '--head', headWithSize(EVIL), '--format', 'markdown', '--output', out]);
    expect(run.code).toBe(0);
    expectInert(fs.readFileSync(out, 'utf8'));
  });

  it('escapeControl keeps text, newlines and (on a terminal) colours', () => {
    expect(escapeControl('a\u001b]0;t\u0007b\n')).toBe('a\\u{1b}]0;t\\u{7}b\n');
    expect(escapeControl('\u001b[31mred\u001b[0m \u001b]8;;http://x\u0007', { terminal: true })).toBe(
      '\u001b[31mred\u001b[0m \\u{1b}]8;;http://x\\u{7}',
    );
    expect(neutralizeWorkflowCommands('ok\n::error::x\n  ::warning::y')).toBe('ok\n\\::error::x\n  \\::warning::y');
  });
});
