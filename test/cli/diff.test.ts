import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { main } from '../../src/cli/main';
import { createGitHubClient } from '../../src/gitops/github';
import { upsertCostComment } from '../../src/gitops/comment';
import { validAtOf } from '../../src/report/comment';
import { readStackConfig, registeredResourcesFromProgram, type RegisteredResource } from '../../src/stack';
import { FakeGitHub } from '../support/fake-github';

const root = path.resolve(__dirname, '../..');

/** A `pulumi preview --json` document between two runs of the example program, as the CLI writes it. */
function previewJson(before: RegisteredResource[], after: RegisteredResource[]) {
  const old = new Map(before.map((r) => [r.urn, r]));
  const now = new Map(after.map((r) => [r.urn, r]));
  const state = (r: RegisteredResource) => ({
    urn: r.urn,
    type: r.type,
    custom: r.custom,
    inputs: r.inputs,
    ...(r.parent && { parent: r.parent }),
    ...(r.provider && { provider: r.provider }),
  });
  const steps = [...new Set([...old.keys(), ...now.keys()])].map((urn) => {
    const b = old.get(urn);
    const a = now.get(urn);
    const op = !b ? 'create' : !a ? 'delete' : JSON.stringify(b.inputs) === JSON.stringify(a.inputs) ? 'same' : 'update';
    return { op, urn, ...(b && { oldState: state(b) }), ...(a && { newState: state(a) }) };
  });
  return { config: {}, steps, duration: 1_000_000, changeSummary: {} };
}

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = (chunk: string) => ((out += chunk), true);
  process.stderr.write = (chunk: string) => ((err += chunk), true);
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'stackfit', ...argv]);
    return { code, out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
    process.exitCode = undefined;
  }
}

describe('stackfit diff', () => {
  let previewFile: string;
  let fake: FakeGitHub;
  let prNumber = 0;
  let headSha = '';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stackfit-diff-'));

  beforeAll(async () => {
    const config = readStackConfig(path.join(root, 'stacks', 'Pulumi.prod.yaml'), 'stackfit-demo');
    const workloads = structuredClone(config['stackfit-demo:workloads']) as Record<string, { size: string; count: number }>;
    const before = await registeredResourcesFromProgram({ projectDir: root, stack: 'prod', config });
    // The change under review: web grows to m5.4xlarge, cache goes away, worker gets one more VM.
    workloads.web!.size = 'm5.4xlarge';
    delete workloads.cache;
    workloads.worker!.count += 1;
    const after = await registeredResourcesFromProgram({
      projectDir: root,
      stack: 'prod',
      config: { ...config, 'stackfit-demo:workloads': workloads },
    });
    previewFile = path.join(dir, 'preview.json');
    writeFileSync(previewFile, JSON.stringify(previewJson(before, after), null, 2));
    fake = await FakeGitHub.start();
    // The pull request under review: a branch with the stack change, opened through the API.
    headSha = await fake.commitAs(
      'grow-web',
      { 'stacks/Pulumi.prod.yaml': 'changed\n' },
      { name: 'Dev', email: 'dev@example.com' },
      'Grow web',
    );
    const octokit = createGitHubClient({ token: fake.token, baseUrl: fake.url, retryBaseMs: 1 });
    const { data } = await octokit.rest.pulls.create({
      owner: fake.owner,
      repo: fake.repo,
      head: 'grow-web',
      base: 'main',
      title: 'Grow web',
    });
    prNumber = data.number;
  }, 120_000);
  afterAll(async () => fake?.close());

  it('prices the old and new states of a preview, Infracost-style', async () => {
    const { code, out } = await capture(['diff', '--preview', previewFile, '--format', 'json']);
    expect(code).toBe(0);
    const diff = JSON.parse(out) as {
      pastTotalMonthlyCost: number;
      totalMonthlyCost: number;
      diffTotalMonthlyCost: number;
      resources: { name: string; change: string; monthlyDelta?: number }[];
    };
    const catalog = loadCatalog();
    const price = (cloud: 'aws' | 'azure', region: string, size: string) => catalog.lookup(cloud, region, size)!.monthlyUsd;
    const byName = Object.fromEntries(diff.resources.map((r) => [r.name, r]));
    expect(byName.web).toMatchObject({ change: 'changed' });
    expect(byName.web!.monthlyDelta).toBeCloseTo(
      3 * (price('aws', 'us-east-1', 'm5.4xlarge') - price('aws', 'us-east-1', 'm5.2xlarge')),
      6,
    );
    expect(byName.cache).toMatchObject({ change: 'removed' });
    expect(byName.cache!.monthlyDelta).toBeCloseTo(-price('aws', 'us-east-1', 'r5.2xlarge'), 6);
    expect(byName.worker!.monthlyDelta).toBeCloseTo(price('azure', 'eastus', 'Standard_D8s_v5'), 6);
    expect(byName.api).toMatchObject({ change: 'unchanged', monthlyDelta: 0 });
    expect(diff.diffTotalMonthlyCost).toBeCloseTo(diff.totalMonthlyCost - diff.pastTotalMonthlyCost, 6);
  });

  it('keeps one comment per PR: created, left alone when unchanged, updated in place, never overwritten by an older run', async () => {
    const env = { GITHUB_TOKEN: fake.token, GITHUB_API_URL: fake.url, GITHUB_REPOSITORY: `${fake.owner}/${fake.repo}` };
    Object.assign(process.env, env);
    try {
      const first = await capture([
        'diff',
        '--preview',
        previewFile,
        '--comment',
        '--pr',
        String(prNumber),
        '--commit',
        headSha,
        '--format',
        'markdown',
      ]);
      expect(first.err).toMatch(/cost comment created/);
      expect(first.code).toBe(0);
      const writesAfterFirst = fake.requests.filter((r) => r.write).length;
      const second = await capture(['diff', '--preview', previewFile, '--comment', '--pr', String(prNumber), '--commit', headSha]);
      expect(second.err).toMatch(/cost comment unchanged/);
      expect(fake.requests.filter((r) => r.write).length).toBe(writesAfterFirst);
      const ours = [...fake.comments.values()].filter((c) => c.issue === prNumber);
      expect(ours).toHaveLength(1);
      expect(ours[0]!.body).toContain('<!-- stackfit-cost-comment -->');
      expect(ours[0]!.body).toContain(`commit ${headSha}`);
      expect(ours[0]!.body).not.toContain(fake.token);

      const octokit = createGitHubClient({ token: fake.token, baseUrl: fake.url, retryBaseMs: 1 });
      const repo = { owner: fake.owner, repo: fake.repo };
      // Stamped with the head commit's time, not the time it was rendered.
      const { data: commit } = await octokit.rest.git.getCommit({ ...repo, commit_sha: headSha });
      expect(validAtOf(ours[0]!.body)?.getTime()).toBe(new Date(commit.committer.date).getTime());

      const newer = ours[0]!.body
        .replace(/valid-at=[^ ]+/, 'valid-at=2099-01-01T00:00:00.000Z')
        .replace('will change by', 'will now change by');
      expect((await upsertCostComment({ octokit, ...repo, issueNumber: prNumber, body: newer, behavior: 'update' })).action).toBe(
        'updated',
      );
      const older = ours[0]!.body
        .replace(/valid-at=[^ ]+/, 'valid-at=2000-01-01T00:00:00.000Z')
        .replace('will change by', 'would change by');
      expect((await upsertCostComment({ octokit, ...repo, issueNumber: prNumber, body: older, behavior: 'update' })).action).toBe('stale');
      const fresh = newer.replace(/valid-at=[^ ]+/, 'valid-at=2099-02-01T00:00:00.000Z').replace('will now change by', 'will change by');
      expect((await upsertCostComment({ octokit, ...repo, issueNumber: prNumber, body: fresh, behavior: 'delete-and-new' })).action).toBe(
        'created',
      );
      const after = [...fake.comments.values()].filter((c) => c.issue === prNumber);
      expect(after).toHaveLength(1);
      expect(after[0]!.body).toContain('will change by');
      expect(fake.violations).toEqual([]);
    } finally {
      for (const k of Object.keys(env)) delete process.env[k];
    }
  });

  it('replaces the per-stack comments of earlier versions (tag stack=<name>) with the one per-PR comment, leaving other comments alone', async () => {
    const env = { GITHUB_TOKEN: fake.token, GITHUB_API_URL: fake.url, GITHUB_REPOSITORY: `${fake.owner}/${fake.repo}` };
    Object.assign(process.env, env);
    try {
      const octokit = createGitHubClient({ token: fake.token, baseUrl: fake.url, retryBaseMs: 1 });
      const repo = { owner: fake.owner, repo: fake.repo };
      for (const [behavior, branch] of [
        ['update', 'legacy-update'],
        ['hide-and-new', 'legacy-hide'],
      ] as const) {
        const head = await fake.commitAs(
          branch,
          { 'stacks/Pulumi.prod.yaml': `${branch}\n` },
          { name: 'Dev', email: 'dev@example.com' },
          branch,
        );
        const { data: pr } = await octokit.rest.pulls.create({ ...repo, head: branch, base: 'main', title: branch });
        // What an earlier version posted: one comment per stack, stamped with its render time (later than the head commit).
        const old = (stack: string) =>
          `<!-- stackfit-cost-comment stack=${stack} -->\n<!-- stackfit-valid-at=2099-01-01T00:00:00.000Z -->\n### stackfit: ${stack} +$1,000.00/month`;
        const human = await octokit.rest.issues.createComment({ ...repo, issue_number: pr.number, body: 'LGTM once the cost is known' });
        await octokit.rest.issues.createComment({ ...repo, issue_number: pr.number, body: old('prod') });
        const newestLegacy = await octokit.rest.issues.createComment({ ...repo, issue_number: pr.number, body: old('dev') });

        const run = await capture([
          'diff',
          '--preview',
          previewFile,
          '--comment',
          '--pr',
          String(pr.number),
          '--commit',
          head,
          '--behavior',
          behavior,
        ]);
        expect(run.code, behavior).toBe(0);
        const onPr = [...fake.comments.values()].filter((c) => c.issue === pr.number);
        const active = onPr.filter((c) => /<!-- stackfit-cost-comment(?: stack=[^>]*)? -->/.test(c.body));
        expect(active, behavior).toHaveLength(1);
        expect(active[0]!.body).toContain('<!-- stackfit-cost-comment -->');
        expect(active[0]!.body).toContain(`commit ${head}`);
        expect(onPr.find((c) => c.id === human.data.id)?.body).toBe('LGTM once the cost is known');
        if (behavior === 'update') {
          expect(run.err).toMatch(/cost comment updated/);
          // The newest old comment became the per-PR one; the other was deleted.
          expect(active[0]!.id).toBe(newestLegacy.data.id);
          expect(onPr).toHaveLength(2);
        } else {
          expect(run.err).toMatch(/cost comment created/);
          expect(onPr.filter((c) => c.body.startsWith('<details><summary>Outdated stackfit cost estimate'))).toHaveLength(2);
        }
        // The next run finds only the per-PR comment: nothing left to retire, nothing to write.
        const mark = fake.requests.length;
        const again = await capture([
          'diff',
          '--preview',
          previewFile,
          '--comment',
          '--pr',
          String(pr.number),
          '--commit',
          head,
          '--behavior',
          behavior,
        ]);
        expect(again.err).toMatch(/cost comment unchanged/);
        expect(fake.writes(mark)).toEqual([]);
      }
      expect(fake.violations).toEqual([]);
    } finally {
      for (const k of Object.keys(env)) delete process.env[k];
    }
  });

  it("writes nothing when the run's commit is no longer the PR head (a slow run for an older push)", async () => {
    const env = { GITHUB_TOKEN: fake.token, GITHUB_API_URL: fake.url, GITHUB_REPOSITORY: `${fake.owner}/${fake.repo}` };
    Object.assign(process.env, env);
    try {
      const octokit = createGitHubClient({ token: fake.token, baseUrl: fake.url, retryBaseMs: 1 });
      const older = await fake.commitAs(
        'slow-run',
        { 'stacks/Pulumi.prod.yaml': 'one\n' },
        { name: 'Dev', email: 'dev@example.com' },
        'First push',
      );
      const { data: pr } = await octokit.rest.pulls.create({
        owner: fake.owner,
        repo: fake.repo,
        head: 'slow-run',
        base: 'main',
        title: 'Two pushes',
      });
      const newer = await fake.commitAs(
        'slow-run',
        { 'stacks/Pulumi.prod.yaml': 'two\n' },
        { name: 'Dev', email: 'dev@example.com' },
        'Second push',
      );
      const mark = fake.requests.length;
      const run = await capture(['diff', '--preview', previewFile, '--comment', '--pr', String(pr.number), '--commit', older]);
      expect(run.code).toBe(0);
      expect(run.err).toContain(`cost comment superseded: commit ${older} is no longer the PR head (${newer})`);
      expect(fake.writes(mark)).toEqual([]);
      // Without a head commit there is nothing to guard with: refused, naming the flag.
      const noSha = await capture(['diff', '--preview', previewFile, '--comment', '--pr', String(pr.number)]);
      expect(noSha.code).not.toBe(0);
      expect(noSha.err).toContain('--comment: give --commit SHA');
      expect(fake.violations).toEqual([]);
    } finally {
      for (const k of Object.keys(env)) delete process.env[k];
    }
  });

  it('posts nothing on a PR that changes no compute (less noise)', async () => {
    const noChangeFile = path.join(dir, 'preview-nochange.json');
    const before = await registeredResourcesFromProgram({
      projectDir: root,
      stack: 'prod',
      config: readStackConfig(path.join(root, 'stacks', 'Pulumi.prod.yaml'), 'stackfit-demo'),
    });
    writeFileSync(noChangeFile, JSON.stringify(previewJson(before, before)));
    const env = { GITHUB_TOKEN: fake.token, GITHUB_API_URL: fake.url, GITHUB_REPOSITORY: `${fake.owner}/${fake.repo}` };
    Object.assign(process.env, env);
    try {
      const octokit = createGitHubClient({ token: fake.token, baseUrl: fake.url, retryBaseMs: 1 });
      await fake.commitAs('docs-only', { 'README.md': 'docs\n' }, { name: 'Dev', email: 'dev@example.com' }, 'Docs');
      const { data } = await octokit.rest.pulls.create({
        owner: fake.owner,
        repo: fake.repo,
        head: 'docs-only',
        base: 'main',
        title: 'Docs',
      });
      const mark = fake.requests.length;
      const sha = (await octokit.rest.pulls.get({ owner: fake.owner, repo: fake.repo, pull_number: data.number })).data.head.sha;
      const run = await capture(['diff', '--preview', noChangeFile, '--comment', '--pr', String(data.number), '--commit', sha]);
      expect(run.code).toBe(0);
      expect(run.err).toContain('cost comment skipped: no compute resource changes');
      // A real change below both thresholds is not posted either.
      const small = await capture([
        'diff',
        '--preview',
        previewFile,
        '--comment',
        '--pr',
        String(data.number),
        '--commit',
        sha,
        '--min-change-usd',
        '1000000',
        '--min-change-percent',
        '1000',
      ]);
      expect(small.code).toBe(0);
      expect(small.err).toContain('cost comment skipped: the change is below --min-change-usd / --min-change-percent');
      expect(fake.writes(mark)).toEqual([]);
      expect([...fake.comments.values()].filter((c) => c.issue === data.number)).toEqual([]);
    } finally {
      for (const k of Object.keys(env)) delete process.env[k];
    }
  });

  it('fails clearly without a token or PR number', async () => {
    // The repository is set and the token is not: the run must stop at the token, naming it.
    const saved = { GITHUB_TOKEN: process.env.GITHUB_TOKEN, GITHUB_REPOSITORY: process.env.GITHUB_REPOSITORY };
    delete process.env.GITHUB_TOKEN;
    process.env.GITHUB_REPOSITORY = `${fake.owner}/${fake.repo}`;
    try {
      const noToken = await capture(['diff', '--preview', previewFile, '--comment', '--pr', String(prNumber), '--commit', headSha]);
      expect(noToken.code).not.toBe(0);
      expect(noToken.err).toContain('no GitHub token: set GITHUB_TOKEN');
      expect(noToken.err).not.toContain('GITHUB_REPOSITORY');
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const noInput = await capture(['diff']);
    expect(noInput.code).not.toBe(0);
    expect(noInput.err).toContain('give --preview');
  });
});
