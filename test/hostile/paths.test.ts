/**
 * Paths (issue #13): whatever Pulumi.yaml, a symlink, `--stack` or stackfit.yaml say, `pr` edits
 * and the usage cache write only inside the repository, and a refusal says so and why.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { isInside } from '../../src/paths';
import { EC2_EXPORT, EC2_NAME, REPO_ROOT, errorLines, stackfit, tempDir } from './helpers';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const repo = path.join(dir, 'repo');
const outside = path.join(dir, 'outside');
const usage = path.join(dir, 'usage.csv');

beforeEach(() => {
  fs.rmSync(repo, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
  fs.mkdirSync(path.join(repo, 'stacks'), { recursive: true });
  fs.mkdirSync(outside, { recursive: true });
  execFileSync('git', ['init', '-q', repo]);
  fs.copyFileSync(path.join(REPO_ROOT, 'Pulumi.yaml'), path.join(repo, 'Pulumi.yaml'));
  fs.copyFileSync(path.join(REPO_ROOT, 'stacks/Pulumi.prod.yaml'), path.join(repo, 'stacks', 'Pulumi.prod.yaml'));
  fs.copyFileSync(path.join(REPO_ROOT, 'stacks/Pulumi.prod.yaml'), path.join(outside, 'Pulumi.prod.yaml'));
  fs.writeFileSync(usage, `timestamp,resource,metric,value\n2026-10-01T00:00:00Z,${EC2_NAME},cpu_cores,0.2\n`);
});

const pr = (stack = 'prod', extra: string[] = []) =>
  stackfit(
    [
      'pr',
      '--dry-run',
      '--stack',
      stack,
      '--state',
      EC2_EXPORT,
      '--usage',
      usage,
      '--project-dir',
      repo,
      '--now',
      '2026-10-02T00:00:00Z',
      ...extra,
    ],
    { cwd: repo },
  );

describe('pr edits only files inside the repository', () => {
  it('control: the normal layout passes', async () => {
    const run = await pr();
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
  });

  it('--stack ../x is not a stack name', async () => {
    const run = await pr('../x');
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toEqual([
      'stackfit: --stack: invalid stack name "../x": a Pulumi stack name has only letters, digits, "-", "_" and "." (no path separators)',
    ]);
  });

  it('stackConfigDir: ../.. in Pulumi.yaml', async () => {
    const project = fs.readFileSync(path.join(repo, 'Pulumi.yaml'), 'utf8').replace(/^stackConfigDir:.*$/m, '');
    fs.writeFileSync(path.join(repo, 'Pulumi.yaml'), `${project}\nstackConfigDir: ../outside\n`);
    const run = await pr();
    expect(run.code).toBe(1);
    const real = fs.realpathSync(outside);
    expect(errorLines(run.stderr)).toEqual([
      `stackfit: ${path.join(outside, 'Pulumi.prod.yaml')}: the stack config ${path.join(real, 'Pulumi.prod.yaml')} is outside the repository ${fs.realpathSync(repo)} (the stackConfigDir of ${path.join(repo, 'Pulumi.yaml')}, or a symlink): stackfit only writes and edits files inside the repository; refused`,
    ]);
  });

  it('a stack file that is a symlink to a file outside', async () => {
    fs.rmSync(path.join(repo, 'stacks', 'Pulumi.prod.yaml'));
    fs.symlinkSync(path.join(outside, 'Pulumi.prod.yaml'), path.join(repo, 'stacks', 'Pulumi.prod.yaml'));
    const run = await pr();
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)[0]).toContain(`is outside the repository ${fs.realpathSync(repo)}`);
    // A symlink that stays inside the repository is fine.
    fs.rmSync(path.join(repo, 'stacks', 'Pulumi.prod.yaml'));
    fs.copyFileSync(path.join(outside, 'Pulumi.prod.yaml'), path.join(repo, 'real.yaml'));
    fs.symlinkSync(path.join(repo, 'real.yaml'), path.join(repo, 'stacks', 'Pulumi.prod.yaml'));
    expect((await pr()).code).toBe(0);
  });

  it('--config-file pointing outside', async () => {
    const run = await pr('prod', ['--config-file', '../outside/Pulumi.prod.yaml']);
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)[0]).toMatch(/is outside the repository .* \(--config-file\)/);
  });
});

describe('usage.cacheDir stays inside the repository', () => {
  it('recommend and pr refuse a cacheDir outside, and create nothing there', async () => {
    fs.writeFileSync(path.join(repo, 'stackfit.yaml'), 'usage:\n  cacheDir: ../outside/cache\n');
    const run = await stackfit(['recommend', '--state', EC2_EXPORT, '--usage', usage, '--now', '2026-10-02T00:00:00Z'], { cwd: repo });
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)[0]).toMatch(
      /the usage cache directory .*outside\/cache is outside the repository .* \(usage\.cacheDir in .*stackfit\.yaml\)/,
    );
    expect((await pr()).code).toBe(1);
    expect(fs.existsSync(path.join(outside, 'cache'))).toBe(false);
    fs.writeFileSync(path.join(repo, 'stackfit.yaml'), 'usage:\n  cacheDir: .cache/usage\n');
    expect(
      (await stackfit(['recommend', '--state', EC2_EXPORT, '--usage', usage, '--now', '2026-10-02T00:00:00Z'], { cwd: repo })).code,
    ).toBe(0);
  });

  it('isInside follows symlinks and does not take a sibling with a common prefix for a child', () => {
    fs.mkdirSync(path.join(dir, 'repo-sibling'), { recursive: true });
    expect(isInside(path.join(dir, 'repo-sibling', 'x'), repo)).toBe(false);
    expect(isInside(path.join(repo, 'a', 'b', 'new-file'), repo)).toBe(true);
    fs.symlinkSync(outside, path.join(repo, 'link-out'));
    expect(isInside(path.join(repo, 'link-out', 'cache'), repo)).toBe(false);
  });
});
