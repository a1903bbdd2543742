import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubClient } from '../../src/gitops/github';
import { StackfitError } from '../../src/model';
import { FakeGitHub } from '../support/fake-github';
import { sharedValidator } from './helpers';

describe('a GITHUB_TOKEN the repository does not allow to open pull requests', () => {
  let fake: FakeGitHub;
  beforeAll(async () => {
    fake = await FakeGitHub.start({ files: { 'a.txt': 'one\n' }, validator: sharedValidator() });
  });
  afterAll(async () => fake?.close());

  it('names the repository setting and the GitHub App token, not token scopes', async () => {
    await fake.commitAs('stackfit/prod', { 'a.txt': 'two\n' }, { name: 'stackfit', email: 'stackfit@example.com' }, 'Resize');
    const gh = new GitHubClient({ token: fake.token, baseUrl: fake.url, retryBaseMs: 1, writeIntervalMs: 0, retries: 0 });
    fake.injectFault({ operationId: 'pulls/create', kind: 'actions-cannot-create-pr' });
    const err = await gh
      .createPull({ owner: fake.owner, repo: fake.repo }, { title: 't', body: 'b', head: 'stackfit/prod', base: 'main' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StackfitError);
    const message = (err as Error).message;
    expect(message).toContain('"Allow GitHub Actions to create and approve pull requests"');
    expect(message).toContain('GitHub App installation token');
    expect(message).not.toMatch(/contents: write|scope/);
    expect(message).not.toContain(fake.token);
  });
});
