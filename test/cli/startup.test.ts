import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Fast start: the CLI parses its arguments before it loads anything heavy. Each command runs as
 * a user runs it (bin/stackfit.js → dist/), with a preload that lists the npm packages the
 * process loaded; a command must not load the SDKs of sources or services it does not use.
 */
const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'stackfit.js');
const PRELOAD = path.join(ROOT, 'test', 'support', 'loaded-packages.cjs');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'stackfit-startup-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CLOUD_SDKS = /^(@aws-sdk|@smithy|@azure|@google-cloud|google-gax|@grpc)\//;
const PULUMI = /^@pulumi\//;
const OCTOKIT = /^@octokit\//;

let n = 0;
async function loadedBy(args: string[]): Promise<{ code: number; stdout: string; stderr: string; packages: string[] }> {
  const list = path.join(tmp, `loaded-${n++}.txt`);
  let code = 0;
  let stdout = '';
  let stderr = '';
  try {
    ({ stdout, stderr } = await run(process.execPath, ['-r', PRELOAD, BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, STACKFIT_LOADED_PACKAGES: list },
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    ({ code = 1, stdout = '', stderr = '' } = e);
  }
  return { code, stdout, stderr, packages: readFileSync(list, 'utf8').split('\n').filter(Boolean) };
}

describe('stackfit start-up', () => {
  it('--help loads the argument parser only', async () => {
    const help = await loadedBy(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('recommend');
    expect(help.packages).toEqual(['commander']);
    const sub = await loadedBy(['recommend', '--help']);
    expect(sub.stdout).toContain('--demo');
    expect(sub.packages).toEqual(['commander']);
  });

  it('an argument error answers before anything heavy loads', async () => {
    const bad = await loadedBy(['recommend', '--format', 'pdf']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("argument 'pdf' is invalid");
    expect(bad.packages).toEqual(['commander']);
  });

  it('recommend from a state file and a usage CSV loads no cloud SDK, no Pulumi, no Octokit', async () => {
    const state = path.join(ROOT, 'data', 'pulumi', 'stack-export', 'pulumi-aws-recorded-ec2-instance-5.42.0.stack.json');
    const csv = path.join(tmp, 'usage.csv');
    writeFileSync(csv, 'timestamp,resource,metric,value\n2026-10-01T00:00:00Z,i-0ecb41f78d825dd80,cpu_cores,0.5\n');
    const r = await loadedBy(['recommend', '--state', state, '--usage', csv, '--format', 'json', '--now', '2026-10-02T00:00:00Z']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).items).toHaveLength(1);
    expect(r.packages.filter((p) => CLOUD_SDKS.test(p) || PULUMI.test(p) || OCTOKIT.test(p))).toEqual([]);
  });

  it('the demo answers from the cached program run: no Pulumi provider SDK loads', async () => {
    await loadedBy(['recommend', '--demo', '--format', 'json']); // fills the cache if it was empty
    const r = await loadedBy(['recommend', '--demo', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).stack).toBe('prod');
    expect(r.packages.filter((p) => CLOUD_SDKS.test(p) || PULUMI.test(p) || OCTOKIT.test(p))).toEqual([]);
  });
});
