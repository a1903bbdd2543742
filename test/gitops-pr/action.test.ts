import { diffLines } from 'diff';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { register, runAction, runPrCommand } from '../../src/cli/pr';
import { FakeGitHub as Fake } from '../support/fake-github';
import type { FakeGitHub } from '../support/fake-github';
import { PROD_CONFIG_FILE, REPO_ROOT, sharedValidator, startFake } from './helpers';

/** The environment the Actions runner gives a step (the parts stackfit reads), plus the action's inputs. */
function runnerEnv(fake: FakeGitHub, dir: string, inputs: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: os.tmpdir(),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: `${fake.owner}/${fake.repo}`,
    GITHUB_REPOSITORY_OWNER: fake.owner,
    GITHUB_API_URL: fake.url,
    GITHUB_SERVER_URL: 'https://github.test',
    GITHUB_TOKEN: fake.token,
    GITHUB_EVENT_NAME: 'schedule',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_WORKSPACE: dir,
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'),
    GITHUB_OUTPUT: path.join(dir, 'output.txt'),
    RUNNER_TEMP: dir,
    ...inputs,
  };
}

describe('the GitHub Action entry point, against the fake GitHub', () => {
  let fake: FakeGitHub;
  let dir: string;
  beforeAll(async () => {
    fake = await startFake();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stackfit-action-'));
  });
  afterAll(async () => {
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens the PR for the example stack, writes the job summary and outputs, never the token', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const env = runnerEnv(fake, dir, {
      INPUT_STACK: 'prod',
      INPUT_DEMO: 'true',
      INPUT_MODE: 'api',
      INPUT_DRY_RUN: 'false',
      INPUT_MAX_NEW_PER_RUN: '1',
    });
    const result = await runAction({
      env,
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      clientOptions: { retryBaseMs: 5, writeIntervalMs: 0 },
    });
    expect(result.groups).toHaveLength(1);
    expect(result.groups[0]).toMatchObject({ action: 'created', number: 1, branch: 'stackfit/prod' });
    expect(fake.violations).toEqual([]);

    // The PR edits placement keys (size; count where scaling out or in is cheaper; cloud/region/zone
    // for moves, which the example's stackfit.yaml allows) in stacks/Pulumi.prod.yaml and nothing else.
    const changed = await fake.readFile('stackfit/prod', PROD_CONFIG_FILE);
    const original = (await fake.readFile('main', PROD_CONFIG_FILE))!;
    const edited = diffLines(original, changed!)
      .filter((part) => part.added || part.removed)
      .flatMap((part) => part.value.split('\n').filter(Boolean));
    expect(edited.length).toBeGreaterThan(0);
    expect(edited.filter((l) => !/^ {6}(size|cloud|region|zone|count): \S+$/.test(l))).toEqual([]);
    expect(edited.some((l) => /^ {6}size: /.test(l))).toBe(true);

    const summary = fs.readFileSync(env.GITHUB_STEP_SUMMARY!, 'utf8');
    expect(summary).toContain('### stackfit: stack `prod`');
    expect(summary).toMatch(/\| `stackfit\/prod` \| created \| \[#1\]\(https:\/\/github\.test\/acme\/infra\/pull\/1\) \|/);
    const outputs = fs.readFileSync(env.GITHUB_OUTPUT!, 'utf8');
    expect(outputs).toMatch(
      /^prs<<(stackfit_prs_\d+)\n\[\{"branch":"stackfit\/prod","action":"created","number":1,"url":"https:\/\/github\.test\/acme\/infra\/pull\/1"\}\]\n\1\n/,
    );
    expect(outputs).toMatch(/created<<(\S+)\n1\n\1\n/);
    expect(outputs).toMatch(/autoclosed<<(\S+)\n0\n\1\n/);
    for (const text of [out.join(''), err.join(''), summary, outputs, fake.pulls.get(1)!.body ?? ''])
      expect(text).not.toContain(fake.token);

    // The next scheduled run changes nothing.
    const mark = fake.requests.length;
    const again = await runAction({ env, out: () => {}, err: () => {}, clientOptions: { retryBaseMs: 5, writeIntervalMs: 0 } });
    expect(again.groups[0]!.action).toBe('unchanged');
    expect(fake.writes(mark)).toEqual([]);
  });

  it('rejects a bad input with the input’s name', async () => {
    const env = runnerEnv(fake, dir, { INPUT_STACK: 'prod', INPUT_DEMO: 'true', INPUT_MODE: 'ftp' });
    await expect(runAction({ env, out: () => {}, err: () => {} })).rejects.toThrow('input mode: expected api or local-git, got "ftp"');
  });

  it('`stackfit pr --demo --dry-run` prints the diff of stacks/Pulumi.prod.yaml, the title and the body', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const program = new Command('stackfit').exitOverride();
      register(program);
      await program.parseAsync(['node', 'stackfit', 'pr', '--demo', '--dry-run']);
    } finally {
      spy.mockRestore();
    }
    const text = written.join('');
    expect(text).toContain(`--- a/${PROD_CONFIG_FILE}\n+++ b/${PROD_CONFIG_FILE}`);
    expect(text).toMatch(/^- {6}size: m5\.2xlarge$/m);
    expect(text).toMatch(/^Title: stackfit\(prod\): (right-size|move) \d+/m);
    expect(text).toContain('<!-- stackfit:fingerprint=');
  });
});

describe('`stackfit pr --stack --state --usage` on a real stack export', () => {
  it('finds the stack file through Pulumi.yaml, maps the size by its value, and opens the PR', async () => {
    // A real `pulumi stack export` (one t2.micro in us-west-2) and real usage: the demo's
    // recorded `api` series (a Bitbrains VM trace), keyed by this instance's logical name.
    // The shipped AWS catalog prices us-east-1 only, so the instance is moved there (region and
    // zone strings rewritten); everything else is the export as recorded.
    const recorded = path.resolve(REPO_ROOT, 'data/pulumi/stack-export/pulumi-aws-recorded-ec2-instance-5.42.0.stack.json');
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'stackfit-project-'));
    const exportFile = path.join(project, 'dev.stack.json');
    fs.writeFileSync(exportFile, fs.readFileSync(recorded, 'utf8').replace(/us-west-2/g, 'us-east-1'));
    const stackFile = 'config:\n  aws:region: us-east-1\n  # The web server.\n  ec2-instance:instanceType: t2.micro\n';
    fs.writeFileSync(path.join(project, 'Pulumi.yaml'), 'name: ec2-instance\nruntime: nodejs\nstackConfigDir: stacks\n');
    fs.mkdirSync(path.join(project, 'stacks'));
    fs.writeFileSync(path.join(project, 'stacks/Pulumi.dev.yaml'), stackFile);
    const usage = fs
      .readFileSync(path.join(REPO_ROOT, 'stacks/usage/prod.csv'), 'utf8')
      .split('\n')
      .filter((l, i) => i === 0 || l.split(',')[1] === 'api')
      .map((l, i) => (i === 0 ? l : l.replace(',api,', ',my-ec2-instance,')))
      .join('\n');
    fs.writeFileSync(path.join(project, 'usage.csv'), `${usage}\n`);

    const fake = await Fake.start({
      files: { 'Pulumi.yaml': 'name: ec2-instance\n', 'stacks/Pulumi.dev.yaml': stackFile },
      validator: sharedValidator(),
    });
    try {
      const out: string[] = [];
      const result = await runPrCommand(
        {
          stack: 'dev',
          state: exportFile,
          usage: [path.join(project, 'usage.csv')],
          projectDir: project,
          now: '2026-11-01T00:00:00Z',
          repo: `${fake.owner}/${fake.repo}`,
        },
        {
          env: { GITHUB_TOKEN: fake.token, GITHUB_API_URL: fake.url },
          out: (t) => out.push(t),
          err: () => {},
          clientOptions: { retryBaseMs: 5, writeIntervalMs: 0 },
        },
      );
      expect(result.groups).toHaveLength(1);
      expect(result.groups[0]).toMatchObject({ action: 'created', branch: 'stackfit/dev', edits: 1 });
      const after = (await fake.readFile('stackfit/dev', 'stacks/Pulumi.dev.yaml'))!;
      const newSize = /ec2-instance:instanceType: (\S+)/.exec(after)![1]!;
      expect(newSize).not.toBe('t2.micro');
      expect(after).toBe(stackFile.replace('instanceType: t2.micro', `instanceType: ${newSize}`));
      expect(fake.pulls.get(1)!.title).toMatch(/^stackfit\(dev\): right-size 1 workload/);
      expect(fake.violations).toEqual([]);
    } finally {
      await fake.close();
      fs.rmSync(project, { recursive: true, force: true });
    }
  });
});

describe('action.yml’s step, run the way the runner runs it', () => {
  it('bash runs `bin/stackfit.js pr --action` with the inputs mapped to INPUT_*, and the PR opens', async () => {
    const action = parseYaml(fs.readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { default?: string }>;
      runs: { steps: { id?: string; env?: Record<string, string>; run: string }[] };
    };
    const step = action.runs.steps.find((st) => st.id === 'run')!;
    const given: Record<string, string> = { stack: 'prod', demo: 'true' };
    const fake = await startFake();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stackfit-runner-'));
    try {
      // What the runner does: evaluate `${{ inputs.x }}` (given value or default) and `${{ github.token }}`.
      const inputValue = (id: string) => {
        const value = given[id] ?? action.inputs[id]?.default ?? '';
        return value === '${{ github.token }}' ? fake.token : value;
      };
      const stepEnv = Object.fromEntries(
        Object.entries(step.env ?? {}).map(([k, v]) => [
          k,
          v.replace(/\$\{\{ inputs\.([a-z-]+) \}\}/g, (_m, id: string) => inputValue(id)),
        ]),
      );
      const env: NodeJS.ProcessEnv = { ...runnerEnv(fake, dir, {}), GITHUB_TOKEN: '', ...stepEnv, GITHUB_ACTION_PATH: REPO_ROOT };
      const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile('bash', ['-e', '-c', step.run], { cwd: REPO_ROOT, env }, (err, out, errOut) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: String(out), stderr: String(errOut) }),
        );
      });
      expect(stderr).not.toContain(fake.token);
      expect(stdout).not.toContain(fake.token);
      expect(code).toBe(0);
      expect(fake.pulls.get(1)).toMatchObject({ state: 'open', headRef: 'stackfit/prod', labels: ['stackfit', 'cost'] });
      expect(fs.readFileSync(env.GITHUB_STEP_SUMMARY!, 'utf8')).toContain('| `stackfit/prod` | created |');
      expect(fs.readFileSync(env.GITHUB_OUTPUT!, 'utf8')).toMatch(/^created<<\S+\n1\n/m);
      expect(fake.violations).toEqual([]);
    } finally {
      await fake.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
