import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderRunSummary } from '../../src/cli/pr';
import { AUTOCLOSED_MARKER, runPullRequests, type RunPullRequestsInput } from '../../src/gitops/run';
import type { Plan, PlanItem } from '../../src/model';
import { gitOk, isolatedGitEnv, type FakeGitHub } from '../support/fake-github';
import { clientFor, demoPrInput, planOf, PROD_CONFIG_FILE, PROD_CONFIG_TEXT, resize, startFake, testConfig } from './helpers';

/** Changed lines between two revisions of the bare repository (`-old` / `+new`, no headers). */
async function changedLines(fake: FakeGitHub, from: string, to: string): Promise<string[]> {
  const diff = await gitOk(fake.bareRepo, ['diff', '-U0', from, to]);
  return diff.split('\n').filter((l) => /^[+-]/.test(l) && !/^(\+\+\+|---) /.test(l));
}

const ANA = { name: 'Ana Ops', email: 'ana@example.com' };

/** The example config with one workload's line replaced (as a teammate's commit on main would). */
function editedConfig(from: string, to: string, text = PROD_CONFIG_TEXT): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

/** The same resize, for a workload of another stack (its own branch, its own PR). */
function inStack(item: PlanItem, stack: string): PlanItem {
  return { ...item, workload: { ...item.workload, stack } };
}

describe('autoclose and rebase against the fake GitHub', () => {
  let fake: FakeGitHub;
  const lines: string[] = [];
  beforeEach(async () => {
    fake = await startFake();
    lines.length = 0;
  });
  afterEach(async () => {
    expect(fake.violations).toEqual([]);
    expect(lines.join('\n')).not.toContain(fake.token);
    await fake.close();
  });

  const run = (plan: Plan, extra: Partial<RunPullRequestsInput> = {}) =>
    runPullRequests(demoPrInput(fake, plan, { github: clientFor(fake, (l) => lines.push(l)), log: (l) => lines.push(l), ...extra }));

  describe('autoclose', () => {
    it('closes a PR whose change is no longer recommended, says why, and deletes its branch', async () => {
      await run(planOf([resize('web', 'm5.xlarge')]));
      const mark = fake.requests.length;
      const result = await run(planOf([]));
      expect(result.groups).toEqual([expect.objectContaining({ action: 'autoclosed', number: 1, branch: 'stackfit/prod', writeCalls: 3 })]);
      expect(fake.writes(mark).map((r) => r.operationId)).toEqual(['issues/create-comment', 'pulls/update', 'git/delete-ref']);
      // The run's accounting is the server's: every request, reads and writes.
      expect(result.apiCalls).toBe(fake.requests.length - mark);
      expect(result.writeCalls).toBe(3);
      expect(result.groups[0]!.apiCalls + 1).toBe(result.apiCalls); // + the shared listing of open PRs

      const pr = fake.pulls.get(1)!;
      expect(pr.state).toBe('closed');
      expect(pr.merged).toBe(false);
      expect(pr.title).toMatch(/^stackfit\(prod\): right-size 1 workload, save \$.* - autoclosed$/);
      expect(pr.body).toContain(AUTOCLOSED_MARKER);
      expect(pr.body).toContain('**Autoclosed**: stackfit no longer recommends this change');
      const comments = [...fake.comments.values()].filter((c) => c.issue === 1);
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body).toContain('stackfit no longer recommends this change: the latest plan for stack prod');
      expect(comments[0]!.body).toContain('deleting its branch `stackfit/prod`');
      expect(await fake.branches()).toEqual(['main']);

      const summary = renderRunSummary(result);
      expect(summary).toContain('| `stackfit/prod` | autoclosed | [#1](https://github.test/acme/infra/pull/1) |');
      expect(summary).toContain('Pull requests: 1 autoclosed.');

      // Nothing left to close: the next empty run only lists the open PRs.
      const quiet = fake.requests.length;
      const again = await run(planOf([]));
      expect(again.groups).toEqual([]);
      expect(fake.writes(quiet)).toEqual([]);
      expect(fake.requests.slice(quiet).map((r) => r.operationId)).toEqual(['pulls/list']);

      // An autoclosed PR was not turned down by a person: the same change, recommended again, gets a new PR.
      const back = await run(planOf([resize('web', 'm5.xlarge')]));
      expect(back.groups[0]).toMatchObject({ action: 'created', number: 2 });
      expect(fake.pulls.get(2)!.body).not.toContain('earlier PR #1');
    });

    it('still closes the PR when the branch cannot be deleted, and a later run reuses the branch', async () => {
      await run(planOf([resize('web', 'm5.xlarge')]));
      fake.injectFault({ operationId: 'git/delete-ref', kind: 'server-error', times: 4 });
      const result = await run(planOf([]));
      expect(result.groups[0]).toMatchObject({ action: 'autoclosed', number: 1 });
      expect(result.groups[0]!.message).toMatch(/closed PR #1 and could not delete branch stackfit\/prod \(.*502/);
      expect(fake.pulls.get(1)!.state).toBe('closed');
      expect(await fake.branches()).toEqual(['main', 'stackfit/prod']);
      const back = await run(planOf([resize('web', 'm5.large')]));
      expect(back.groups[0]).toMatchObject({ action: 'created', number: 2 });
      expect(await changedLines(fake, 'main', 'stackfit/prod')).toEqual(['-      size: m5.2xlarge', '+      size: m5.large']);
    });

    it('a run with nothing to recommend and no open PR makes no write', async () => {
      const result = await run(planOf([]));
      expect(result.groups).toEqual([]);
      expect(fake.writes()).toEqual([]);
      expect(result).toMatchObject({ apiCalls: 1, writeCalls: 0 });
      expect(renderRunSummary(result)).toContain('No changes to propose');
    });

    it('only comments on a stale PR a person committed to: never closes it, never deletes the branch', async () => {
      await run(planOf([resize('web', 'm5.xlarge')]));
      const human = await fake.commitAs(
        'stackfit/prod',
        { [PROD_CONFIG_FILE]: editedConfig('size: m5.2xlarge', 'size: m5.xlarge # tuned') },
        ANA,
        'Tune',
      );
      const result = await run(planOf([]));
      expect(result.groups[0]).toMatchObject({ action: 'skipped-human-commits', number: 1 });
      expect(result.groups[0]!.message).toContain('Ana Ops <ana@example.com>');
      expect(fake.pulls.get(1)!.state).toBe('open');
      expect(fake.pulls.get(1)!.title).not.toContain('autoclosed');
      expect(await fake.refSha('heads/stackfit/prod')).toBe(human);
      const comments = [...fake.comments.values()].filter((c) => c.issue === 1);
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body).toContain('stackfit no longer recommends this change');
      expect(comments[0]!.body).toContain('by Ana Ops <ana@example.com>');

      // Said once: the next run reads the comments and writes nothing.
      const mark = fake.requests.length;
      const again = await run(planOf([]));
      expect(again.groups[0]!.action).toBe('skipped-human-commits');
      expect(fake.writes(mark)).toEqual([]);
      expect(await fake.branches()).toEqual(['main', 'stackfit/prod']);
    });

    it('never touches another stack’s PR', async () => {
      await run(planOf([resize('web', 'm5.xlarge')]));
      await run(planOf([inStack(resize('api', 'n2-standard-4'), 'staging')]), { stack: 'staging' });
      expect(fake.pulls.get(2)!.headRef).toBe('stackfit/staging');

      // staging has nothing to recommend: its PR closes, prod's stays exactly as it was.
      const prodHead = await fake.refSha('heads/stackfit/prod');
      const prodBody = fake.pulls.get(1)!.body;
      const staging = await run(planOf([]), { stack: 'staging' });
      expect(staging.groups.map((g) => [g.branch, g.action, g.number])).toEqual([['stackfit/staging', 'autoclosed', 2]]);
      expect(fake.pulls.get(1)!.state).toBe('open');
      expect(fake.pulls.get(1)!.body).toBe(prodBody);
      expect(await fake.refSha('heads/stackfit/prod')).toBe(prodHead);
      expect([...fake.comments.values()].filter((c) => c.issue === 1)).toEqual([]);
      expect(await fake.branches()).toEqual(['main', 'stackfit/prod']);

      // A stack with nothing to recommend and only other stacks' PRs open writes nothing.
      const mark = fake.requests.length;
      expect((await run(planOf([]), { stack: 'dev' })).groups).toEqual([]);
      expect(fake.writes(mark)).toEqual([]);
    });

    it('closes the group PR whose workloads no longer need a change, keeps the others', async () => {
      const config = testConfig({ groupBy: 'group' });
      await run(planOf([resize('web', 'm5.xlarge'), resize('cache', 'r5.xlarge')]), { config });
      expect(await fake.branches()).toEqual(['main', 'stackfit/prod/data', 'stackfit/prod/frontend']);
      const mark = fake.requests.length;
      const result = await run(planOf([resize('web', 'm5.xlarge')]), { config });
      expect(result.groups.map((g) => [g.branch, g.action])).toEqual([
        ['stackfit/prod/data', 'autoclosed'],
        ['stackfit/prod/frontend', 'unchanged'],
      ]);
      expect(fake.writes(mark).map((r) => r.operationId)).toEqual(['issues/create-comment', 'pulls/update', 'git/delete-ref']);
      expect(await fake.branches()).toEqual(['main', 'stackfit/prod/frontend']);
      const closed = [...fake.pulls.values()].find((p) => p.headRef === 'stackfit/prod/data')!;
      expect(closed.state).toBe('closed');
      expect([...fake.comments.values()].find((c) => c.issue === closed.number)!.body).toContain('no change for group data any more');
    });
  });

  describe('rebase when the base branch moved under the config file', () => {
    it('regenerates the commit on the new main, changing exactly the recommended lines', async () => {
      const plan = planOf([resize('web', 'm5.xlarge')]);
      await run(plan);
      const oldHead = await fake.refSha('heads/stackfit/prod');
      // A teammate edits another workload's line of the same file on main.
      const teammate = editedConfig('diskGiB: 64', 'diskGiB: 128');
      const newMain = await fake.commitAs('main', { [PROD_CONFIG_FILE]: teammate }, ANA, 'Bigger worker disks');

      const mark = fake.requests.length;
      const result = await run(plan);
      expect(result.groups[0]).toMatchObject({ action: 'updated', number: 1 });
      expect(result.groups[0]!.message).toContain(`${PROD_CONFIG_FILE} changed on main; regenerated the commit on top of it`);
      // Same title and body: no PR update, only the commit and the branch move.
      expect(fake.writes(mark).map((r) => r.operationId)).toEqual(['git/create-tree', 'git/create-commit', 'git/update-ref']);
      const head = await fake.commit((await fake.refSha('heads/stackfit/prod'))!);
      expect(head!.sha).not.toBe(oldHead);
      expect(head!.parents).toEqual([newMain]);
      expect(await changedLines(fake, 'main', 'stackfit/prod')).toEqual(['-      size: m5.2xlarge', '+      size: m5.xlarge']);
      expect(await fake.readFile('stackfit/prod', PROD_CONFIG_FILE)).toBe(editedConfig('size: m5.2xlarge', 'size: m5.xlarge', teammate));
      expect(fake.pulls.size).toBe(1);

      // Rebased once: the next run writes nothing.
      const quiet = fake.requests.length;
      expect((await run(plan)).groups[0]!.action).toBe('unchanged');
      expect(fake.writes(quiet)).toEqual([]);
    });

    it('makes no write when main moved only in other files', async () => {
      const plan = planOf([resize('web', 'm5.xlarge')]);
      await run(plan);
      const head = await fake.refSha('heads/stackfit/prod');
      await fake.commitAs('main', { 'README.md': '# infra, updated\n' }, ANA);
      const mark = fake.requests.length;
      const result = await run(plan);
      expect(result.groups[0]).toMatchObject({ action: 'unchanged', number: 1, writeCalls: 0 });
      expect(fake.writes(mark)).toEqual([]);
      expect(await fake.refSha('heads/stackfit/prod')).toBe(head);
      // The file of the commit the branch was built on was read once, and compared.
      expect(fake.requests.slice(mark).filter((r) => r.operationId === 'repos/get-content')).toHaveLength(2);
    });

    it('drops a change a teammate already made on main, and updates the PR to the rest', async () => {
      const plan = planOf([resize('web', 'm5.xlarge'), resize('cache', 'r5.xlarge')]);
      await run(plan);
      expect(fake.pulls.get(1)!.title).toContain('right-size 2 workloads');
      const teammate = editedConfig('size: m5.2xlarge', 'size: m5.xlarge');
      const newMain = await fake.commitAs('main', { [PROD_CONFIG_FILE]: teammate }, ANA, 'Right-size web by hand');

      // The deployed state (and so the plan) still has web on m5.2xlarge until the next deploy.
      const mark = fake.requests.length;
      const result = await run(plan);
      expect(result.groups[0]).toMatchObject({ action: 'updated', number: 1, edits: 1 });
      expect(result.changedInConfig).toEqual([
        expect.objectContaining({
          workload: 'web',
          branch: 'stackfit/prod',
          reason: expect.stringContaining('the change was already made'),
        }),
      ]);
      expect(result.changedInConfig[0]!.reason).toMatch(
        /^`web`: stacks\/Pulumi\.prod\.yaml on main sets stackfit-demo:workloads\.web\.size \(line \d+\) to m5\.xlarge, not the deployed m5\.2xlarge/,
      );
      expect(fake.writes(mark).map((r) => r.operationId)).toEqual([
        'git/create-tree',
        'git/create-commit',
        'git/update-ref',
        'pulls/update',
      ]);
      expect((await fake.commit((await fake.refSha('heads/stackfit/prod'))!))!.parents).toEqual([newMain]);
      expect(await changedLines(fake, 'main', 'stackfit/prod')).toEqual(['-      size: r5.2xlarge', '+      size: r5.xlarge']);
      const pr = fake.pulls.get(1)!;
      expect(pr.title).toMatch(/^stackfit\(prod\): right-size 1 workload, save/);
      expect(pr.body).not.toContain('`web`');
      expect(pr.body).toContain('`cache`');
      expect(renderRunSummary(result)).toContain('Left out: the stack config no longer holds the deployed value');

      // Stable: the same plan on the same main writes nothing.
      const quiet = fake.requests.length;
      expect((await run(plan)).groups.map((g) => g.action)).toEqual(['unchanged']);
      expect(fake.writes(quiet)).toEqual([]);

      // The rest made by hand too: the PR has nothing left and is autoclosed, naming both.
      await fake.commitAs('main', { [PROD_CONFIG_FILE]: editedConfig('size: r5.2xlarge', 'size: r5.xlarge', teammate) }, ANA, 'And cache');
      const closed = await run(plan);
      expect(closed.groups.map((g) => g.action)).toEqual(['autoclosed']);
      const comment = [...fake.comments.values()].find((c) => c.issue === 1)!.body;
      expect(comment).toContain('`web`: stacks/Pulumi.prod.yaml on main sets stackfit-demo:workloads.web.size');
      expect(comment).toContain('`cache`: stacks/Pulumi.prod.yaml on main sets stackfit-demo:workloads.cache.size');
      expect(await fake.branches()).toEqual(['main']);
    });

    it('treats a change as gone when main set the value to something else', async () => {
      const plan = planOf([resize('web', 'm5.xlarge'), resize('cache', 'r5.xlarge')]);
      await run(plan);
      await fake.commitAs('main', { [PROD_CONFIG_FILE]: editedConfig('size: m5.2xlarge', 'size: m5.4xlarge') }, ANA, 'Scale web up');
      const result = await run(plan);
      expect(result.groups[0]).toMatchObject({ action: 'updated', edits: 1, manual: 0 });
      expect(result.changedInConfig.map((c) => c.reason)).toEqual([
        expect.stringContaining('to m5.4xlarge, not the deployed m5.2xlarge (it was changed since the deploy)'),
      ]);
      expect(await changedLines(fake, 'main', 'stackfit/prod')).toEqual(['-      size: r5.2xlarge', '+      size: r5.xlarge']);
      // The teammate's value stays on the branch.
      expect(await fake.readFile('stackfit/prod', PROD_CONFIG_FILE)).toContain('size: m5.4xlarge');
    });

    it('leaves a branch a person committed to alone even when main moved under the file', async () => {
      const plan = planOf([resize('web', 'm5.xlarge')]);
      await run(plan);
      const human = await fake.commitAs('stackfit/prod', { 'notes.txt': 'why\n' }, ANA, 'Notes');
      await fake.commitAs('main', { [PROD_CONFIG_FILE]: editedConfig('diskGiB: 64', 'diskGiB: 128') }, ANA);
      const result = await run(plan);
      expect(result.groups[0]!.action).toBe('skipped-human-commits');
      expect(await fake.refSha('heads/stackfit/prod')).toBe(human);
    });
  });
});

describe('local-git mode: autoclose and rebase', () => {
  let fake: FakeGitHub;
  let checkout: string;
  beforeEach(async () => {
    fake = await startFake();
    checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'stackfit-checkout-'));
    await gitOk(checkout, ['clone', '-q', fake.bareRepo, '.']);
  });
  afterEach(async () => {
    expect(fake.violations).toEqual([]);
    await fake.close();
    fs.rmSync(checkout, { recursive: true, force: true });
  });

  const run = (plan: Plan) =>
    runPullRequests(demoPrInput(fake, plan, { mode: 'local-git', localRepoDir: checkout, gitEnv: isolatedGitEnv() }));

  it('rebases with git on the moved main, then autocloses and deletes the branch with git push', async () => {
    const plan = planOf([resize('web', 'm5.xlarge')]);
    await run(plan);
    const newMain = await fake.commitAs('main', { [PROD_CONFIG_FILE]: editedConfig('diskGiB: 64', 'diskGiB: 128') }, ANA);
    const rebased = await run(plan);
    expect(rebased.groups[0]!.action).toBe('updated');
    expect((await fake.commit((await fake.refSha('heads/stackfit/prod'))!))!.parents).toEqual([newMain]);
    expect(await changedLines(fake, 'main', 'stackfit/prod')).toEqual(['-      size: m5.2xlarge', '+      size: m5.xlarge']);

    const closed = await run(planOf([]));
    expect(closed.groups[0]).toMatchObject({ action: 'autoclosed', number: 1 });
    expect(fake.pulls.get(1)!.state).toBe('closed');
    expect(await fake.branches()).toEqual(['main']);
  });
});
