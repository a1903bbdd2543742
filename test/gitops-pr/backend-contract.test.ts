/**
 * The GitBackend contract, one suite run over both implementations: the API backend against the
 * fake GitHub (every request and response checked against GitHub's OpenAPI description) and the
 * local-git backend against a real clone of the fake's bare repository (plain git, no API).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiGitBackend, localGitBackend, type GitBackend } from '../../src/gitops/backend';
import { commitMessage } from '../../src/gitops/pr-executor';
import { isStackfitCommit, STACKFIT_IDENTITY } from '../../src/gitops/pr-decision';
import { gitOk, isolatedGitEnv, type FakeGitHub } from '../support/fake-github';
import { clientFor, PROD_CONFIG_FILE, PROD_CONFIG_TEXT, startFake } from './helpers';

interface Setup {
  backend: GitBackend;
  /** The local checkout (local-git only). */
  checkout?: string;
}

const BACKENDS: [string, { leases: boolean; make: (fake: FakeGitHub) => Promise<Setup> }][] = [
  [
    'api',
    { leases: false, make: (fake) => Promise.resolve({ backend: apiGitBackend(clientFor(fake), { owner: fake.owner, repo: fake.repo }) }) },
  ],
  [
    'local-git',
    {
      leases: true,
      make: async (fake) => {
        const checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'stackfit-backend-'));
        await gitOk(checkout, ['clone', '-q', fake.bareRepo, '.']);
        return { backend: localGitBackend({ repoDir: checkout, env: isolatedGitEnv() }), checkout };
      },
    },
  ],
];

const PERSON = { name: 'Ada', email: 'ada@example.com' };

describe.each(BACKENDS)('GitBackend contract: %s', (name, { leases, make }) => {
  let fake: FakeGitHub;
  let setup: Setup;
  let git: GitBackend;
  let main: string;
  beforeEach(async () => {
    fake = await startFake();
    setup = await make(fake);
    git = setup.backend;
    main = (await fake.refSha('heads/main'))!;
  });
  afterEach(async () => {
    expect(fake.violations).toEqual([]);
    await fake.close();
    if (setup.checkout) fs.rmSync(setup.checkout, { recursive: true, force: true });
  });

  const write = (text: string, parent = main) =>
    git.writeCommit({
      parent,
      parentBranch: 'main',
      files: [{ path: PROD_CONFIG_FILE, content: text }],
      identity: STACKFIT_IDENTITY,
      message: (tree) => commitMessage('Resize worker', 'fp1', tree),
    });

  it('reads the default branch, a branch head, a commit and a file exactly as the repository holds them', async () => {
    expect(await git.defaultBranch()).toBe('main');
    expect(await git.branchSha('main')).toBe(main);
    expect(await git.branchSha('stackfit/none')).toBeNull();
    const commit = await git.commit(main);
    expect(commit).toMatchObject({
      sha: main,
      treeSha: await gitOk(fake.bareRepo, ['rev-parse', `${main}^{tree}`]),
      parents: [],
      author: { name: 'Fake GitHub', email: 'noreply@github.test' },
      committer: { name: 'Fake GitHub', email: 'noreply@github.test' },
    });
    expect(commit.message.trim()).toBe('Initial commit');
    expect(await git.fileText(main, PROD_CONFIG_FILE)).toBe(PROD_CONFIG_TEXT);
    expect(await git.fileText(main, 'stacks/Pulumi.missing.yaml')).toBeNull();
  });

  it('reads a commit pushed after the checkout was made (a PR head someone else wrote)', async () => {
    await gitOk(fake.bareRepo, ['update-ref', 'refs/heads/feature', main]);
    const theirs = await fake.commitAs('feature', { [PROD_CONFIG_FILE]: 'edited: true\n' }, PERSON);
    expect(await git.branchSha('feature')).toBe(theirs);
    const commit = await git.commit(theirs);
    expect(commit).toMatchObject({ parents: [main], author: PERSON, committer: PERSON });
    expect(isStackfitCommit(commit)).toBe(false);
    expect(await git.fileText(theirs, PROD_CONFIG_FILE)).toBe('edited: true\n');
  });

  it('writes stackfit’s commit on the base without moving any branch; the commit is recognised as stackfit’s own', async () => {
    const text = PROD_CONFIG_TEXT.replace('Standard_D8s_v5', 'Standard_D4s_v5');
    const sha = await write(text);
    expect(await fake.branches()).toEqual(['main']);
    expect(await fake.refSha('heads/main')).toBe(main);
    const commit = await git.commit(sha);
    expect(commit).toMatchObject({ parents: [main], author: STACKFIT_IDENTITY, committer: STACKFIT_IDENTITY });
    expect(isStackfitCommit(commit)).toBe(true);
    expect(await git.fileText(sha, PROD_CONFIG_FILE)).toBe(text);
    // Every other file is the base's.
    expect(await git.fileText(sha, 'Pulumi.yaml')).toBe(await fake.readFile('main', 'Pulumi.yaml'));
  });

  it('creates, moves and deletes a branch', async () => {
    const first = await write('size: a\n');
    await git.moveBranch('stackfit/prod', first, null);
    expect(await fake.refSha('heads/stackfit/prod')).toBe(first);
    const second = await write('size: b\n');
    await git.moveBranch('stackfit/prod', second, first);
    expect(await fake.refSha('heads/stackfit/prod')).toBe(second);
    expect(await fake.readFile('stackfit/prod', PROD_CONFIG_FILE)).toBe('size: b\n');
    await git.deleteBranch('stackfit/prod');
    expect(await fake.refSha('heads/stackfit/prod')).toBeNull();
    expect(await git.branchSha('stackfit/prod')).toBeNull();
  });

  it(
    leases
      ? 'refuses to move a branch someone pushed to since it was inspected (force-with-lease)'
      : 'moves a branch over a push in between (the API has no compare-and-swap for refs: documented)',
    async () => {
      const mine = await write('size: a\n');
      await git.moveBranch('stackfit/prod', mine, null);
      const theirs = await fake.commitAs('stackfit/prod', { [PROD_CONFIG_FILE]: 'size: mine\n' }, PERSON);
      const next = await write('size: b\n');
      if (leases) {
        await expect(git.moveBranch('stackfit/prod', next, mine)).rejects.toThrow(/git push failed/);
        await expect(git.moveBranch('stackfit/prod', next, null)).rejects.toThrow(/git push failed/);
        expect(await fake.refSha('heads/stackfit/prod')).toBe(theirs);
      } else {
        await git.moveBranch('stackfit/prod', next, mine);
        expect(await fake.refSha('heads/stackfit/prod')).toBe(next);
      }
    },
  );

  if (name === 'api') {
    it('wire format: one tree and one commit call per commit, the base tree read once for commits on one base', async () => {
      const mark = fake.requests.length;
      await write('size: a\n');
      await write('size: b\n');
      expect(fake.requests.slice(mark).map((r) => r.operationId)).toEqual([
        'git/get-commit',
        'git/create-tree',
        'git/create-commit',
        'git/create-tree',
        'git/create-commit',
      ]);
    });
  } else {
    it('plain git only: no API request, and the checkout’s HEAD, index and work tree untouched', async () => {
      const checkout = setup.checkout!;
      const head = await gitOk(checkout, ['rev-parse', 'HEAD']);
      const mark = fake.requests.length;
      const sha = await write('size: a\n');
      await git.moveBranch('stackfit/prod', sha, null);
      await git.deleteBranch('stackfit/prod');
      expect(fake.requests.length).toBe(mark);
      expect(await gitOk(checkout, ['rev-parse', 'HEAD'])).toBe(head);
      expect(await gitOk(checkout, ['status', '--porcelain'])).toBe('');
    });
  }
});
