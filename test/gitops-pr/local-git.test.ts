import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPullRequests, STACKFIT_IDENTITY } from '../../src/gitops/run';
import type { Plan } from '../../src/model';
import { gitOk, isolatedGitEnv, type FakeGitHub } from '../support/fake-github';
import { demoPrInput, planOf, resize, startFake } from './helpers';

describe('local-git mode (an Actions checkout pushes with plain git)', () => {
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

  it('pushes stackfit’s commit, opens the PR through the API, and leaves the checkout as it was', async () => {
    const headBefore = await gitOk(checkout, ['rev-parse', 'HEAD']);
    const result = await run(planOf([resize('worker', 'Standard_D4s_v5')]));
    expect(result.groups[0]).toMatchObject({ action: 'created', number: 1 });
    // Commit and branch went through git, not the git-data API.
    expect(fake.requests.map((r) => r.operationId)).not.toContain('git/create-commit');
    const branchHead = (await fake.refSha('heads/stackfit/prod'))!;
    const commit = (await fake.commit(branchHead))!;
    expect(commit.author.email).toBe(STACKFIT_IDENTITY.email);
    expect(commit.parents).toEqual([headBefore]);
    const diff = await gitOk(fake.bareRepo, ['diff', '-U0', 'main', 'stackfit/prod']);
    expect(diff.split('\n').filter((l) => /^[+-] /.test(l))).toEqual(['-      size: Standard_D8s_v5', '+      size: Standard_D4s_v5']);
    expect(await gitOk(checkout, ['rev-parse', 'HEAD'])).toBe(headBefore);
    expect(await gitOk(checkout, ['status', '--porcelain'])).toBe('');

    const mark = fake.requests.length;
    const again = await run(planOf([resize('worker', 'Standard_D4s_v5')]));
    expect(again.groups[0]!.action).toBe('unchanged');
    expect(fake.writes(mark)).toEqual([]);
    expect(await fake.refSha('heads/stackfit/prod')).toBe(branchHead);

    const changed = await run(planOf([resize('worker', 'Standard_D2s_v5')]));
    expect(changed.groups[0]).toMatchObject({ action: 'updated', number: 1 });
    const diff2 = await gitOk(fake.bareRepo, ['diff', '-U0', 'main', 'stackfit/prod']);
    expect(diff2).toContain('+      size: Standard_D2s_v5');
  });
});
