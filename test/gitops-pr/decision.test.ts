/**
 * The PR run's decision alone (src/gitops/pr-decision.ts): small observed states in, an action
 * out, no GitHub and no git. Each safety rule of the table in docs/DEVELOPING.md ("The PR run")
 * has a test here; the executor and the backends are tested against the fake GitHub and real git.
 */
import { describe, expect, it } from 'vitest';
import type { GitCommit } from '../../src/gitops/github/client';
import {
  AUTOCLOSED_MARKER,
  decideGroup,
  decideStale,
  isStackPull,
  STACKFIT_IDENTITY,
  stalePulls,
  type GroupDecision,
  type GroupFacts,
  type Observation,
  type PullView,
} from '../../src/gitops/pr-decision';

const BASE = 'b'.repeat(40);
const OLD_BASE = 'a'.repeat(40);
const TREE = 'c'.repeat(40);
const BRANCH = 'stackfit/prod';

function stackfitCommit(sha: string, parent = BASE): GitCommit {
  return {
    sha,
    message: `Resize\n\nStackfit-Fingerprint: fp\nStackfit-Tree: ${TREE}\n`,
    treeSha: TREE,
    parents: [parent],
    author: { ...STACKFIT_IDENTITY },
    committer: { ...STACKFIT_IDENTITY },
  };
}

/** Ways a person touches stackfit's branch: each must read as "not stackfit's commit". */
const HUMAN_HEADS: [string, GitCommit][] = [
  ['a commit by a person', { ...stackfitCommit('d'.repeat(40)), author: { name: 'Ada', email: 'ada@example.com' } }],
  [
    'stackfit authored, a person committed (rebase, amend)',
    { ...stackfitCommit('d'.repeat(40)), committer: { name: 'Ada', email: 'ada@example.com' } },
  ],
  ['stackfit identity but another tree (content changed)', { ...stackfitCommit('d'.repeat(40)), treeSha: 'e'.repeat(40) }],
  ['a merge commit (two parents)', { ...stackfitCommit('d'.repeat(40)), parents: [BASE, OLD_BASE] }],
];

function pull(over: Partial<PullView> & { fingerprint?: string; autoclosed?: boolean }): PullView {
  const { fingerprint = 'fp', autoclosed = false, ...rest } = over;
  return {
    number: 1,
    url: 'https://github.test/pull/1',
    state: 'open',
    merged: false,
    title: 'Resize web',
    body: `${autoclosed ? `${AUTOCLOSED_MARKER}\n` : ''}body\n<!-- stackfit:fingerprint=${fingerprint} -->`,
    headRef: BRANCH,
    headSha: 'f'.repeat(40),
    labels: ['stackfit'],
    ...rest,
  };
}

function facts(over: Partial<GroupFacts> = {}): GroupFacts {
  return {
    branch: BRANCH,
    title: 'Resize web',
    fingerprint: 'fp',
    edits: 1,
    labels: ['stackfit'],
    renderBody: (note) => `${note ? `${note}\n` : ''}body\n<!-- stackfit:fingerprint=fp -->`,
    base: { sha: BASE, text: 'size: m5.large\n' },
    identity: STACKFIT_IDENTITY,
    budget: { created: 0, open: 0, maxNewPerRun: 2, maxOpen: 5 },
    ...over,
  };
}

/** What the run observes, answered from a small world; records which observations were asked for. */
interface World {
  pulls?: PullView[];
  commits?: Record<string, GitCommit>;
  files?: Record<string, string | null>;
  branchSha?: string | null;
}

function decideIn(f: GroupFacts, world: World): { decision: GroupDecision; asked: Observation['need'][] } {
  const asked: Observation['need'][] = [];
  for (;;) {
    const step = decideGroup(f);
    if ('decision' in step) return { decision: step.decision, asked };
    asked.push(step.need);
    if (asked.length > 5) throw new Error(`decision loops: ${asked.join(', ')}`);
    if (step.need === 'pulls') f.pulls = world.pulls ?? [];
    else if (step.need === 'open-head') f.openHead = world.commits![step.sha]!;
    else if (step.need === 'built-on-text') f.builtOnText = world.files![step.sha] ?? null;
    else if (step.need === 'branch-sha') f.branchSha = world.branchSha ?? null;
    else f.branchHead = world.commits![step.sha]!;
  }
}

describe('decideGroup: an open PR', () => {
  const head = stackfitCommit('f'.repeat(40));

  it('every change needing a manual edit: nothing to do, and nothing is read', () => {
    expect(decideIn(facts({ edits: 0 }), {})).toEqual({ decision: { kind: 'nothing-to-edit' }, asked: [] });
  });

  it.each(HUMAN_HEADS)('%s on the open PR: left to the person, never force-pushed, whatever changed', (_, human) => {
    for (const fingerprint of ['fp', 'other']) {
      for (const parent of [BASE, OLD_BASE]) {
        const world = {
          pulls: [pull({ fingerprint })],
          commits: { ['f'.repeat(40)]: { ...human, parents: [parent, ...human.parents.slice(1)] } },
        };
        const { decision } = decideIn(facts(), world);
        expect(decision.kind).toBe('leave-human-pull');
      }
    }
  });

  it('same recommendation, same base: nothing to write, no file read', () => {
    const { decision, asked } = decideIn(facts(), { pulls: [pull({})], commits: { [head.sha]: head } });
    expect(decision).toMatchObject({ kind: 'refresh-pull', updateText: false, addLabels: [] });
    expect(asked).toEqual(['pulls', 'open-head']);
  });

  it('same recommendation: a description differing only in line endings is not rewritten; another title or body is', () => {
    const crlf = pull({ body: 'body\r\n<!-- stackfit:fingerprint=fp -->\r\n' });
    expect(decideIn(facts(), { pulls: [crlf], commits: { [head.sha]: head } }).decision).toMatchObject({ updateText: false });
    expect(decideIn(facts(), { pulls: [pull({ title: 'Old title' })], commits: { [head.sha]: head } }).decision).toMatchObject({
      kind: 'refresh-pull',
      updateText: true,
    });
  });

  it('adds only the configured labels the PR lacks', () => {
    const { decision } = decideIn(facts({ labels: ['stackfit', 'finops'] }), {
      pulls: [pull({ labels: ['stackfit', 'mine'] })],
      commits: { [head.sha]: head },
    });
    expect(decision).toMatchObject({ kind: 'refresh-pull', addLabels: ['finops'] });
  });

  it('base moved but the config file did not: no new commit', () => {
    const old = stackfitCommit('f'.repeat(40), OLD_BASE);
    const { decision, asked } = decideIn(facts(), {
      pulls: [pull({})],
      commits: { [old.sha]: old },
      files: { [OLD_BASE]: 'size: m5.large\n' },
    });
    expect(decision.kind).toBe('refresh-pull');
    expect(asked).toEqual(['pulls', 'open-head', 'built-on-text']);
  });

  it('base moved under the config file: regenerated on the new base (the lease is the PR head stackfit inspected)', () => {
    const old = stackfitCommit('f'.repeat(40), OLD_BASE);
    const { decision } = decideIn(facts(), { pulls: [pull({})], commits: { [old.sha]: old }, files: { [OLD_BASE]: 'size: m5.xlarge\n' } });
    expect(decision).toMatchObject({ kind: 'regenerate', why: 'base-moved', updateText: false, pull: { headSha: old.sha } });
  });

  it('another recommendation: regenerated and the PR text rewritten, without reading the old file', () => {
    const old = stackfitCommit('f'.repeat(40), OLD_BASE);
    const { decision, asked } = decideIn(facts(), { pulls: [pull({ fingerprint: 'old' })], commits: { [old.sha]: old } });
    expect(decision).toMatchObject({ kind: 'regenerate', why: 'recommendation-changed', updateText: true });
    expect(asked).toEqual(['pulls', 'open-head']);
  });

  it('an open PR wins over a closed one with the same recommendation', () => {
    const closed = pull({ number: 1, state: 'closed' });
    const open = pull({ number: 2 });
    const { decision } = decideIn(facts(), { pulls: [open, closed], commits: { [head.sha]: head } });
    expect(decision).toMatchObject({ kind: 'refresh-pull', pull: { number: 2 } });
  });
});

describe('decideGroup: no open PR', () => {
  it('a person closed or merged the same recommendation: not proposed again, nothing else read', () => {
    for (const merged of [false, true]) {
      const { decision, asked } = decideIn(facts(), { pulls: [pull({ state: 'closed', merged })] });
      expect(decision).toMatchObject({ kind: 'skip-closed', pull: { number: 1, merged } });
      expect(asked).toEqual(['pulls']);
    }
  });

  it('stackfit autoclosed the same recommendation: it may come back (recreated, without a "closed by a person" note)', () => {
    const { decision } = decideIn(facts(), { pulls: [pull({ state: 'closed', autoclosed: true })], branchSha: null });
    expect(decision).toMatchObject({ kind: 'create', expected: null, afterClosed: false });
  });

  it('a person closed another recommendation: proposed again, the body says why', () => {
    const { decision } = decideIn(facts(), { pulls: [pull({ number: 7, state: 'closed', fingerprint: 'old' })], branchSha: null });
    expect(decision).toMatchObject({ kind: 'create', afterClosed: true });
    expect((decision as { body: string }).body).toContain('#7 for this branch was closed without merging');
    // A merged or autoclosed earlier PR is no refusal: no note.
    for (const earlier of [
      pull({ state: 'closed', merged: true, fingerprint: 'old' }),
      pull({ state: 'closed', autoclosed: true, fingerprint: 'old' }),
    ]) {
      expect(decideIn(facts(), { pulls: [earlier], branchSha: null }).decision).toMatchObject({ kind: 'create', afterClosed: false });
    }
  });

  it('limits: pr.maxNewPerRun first, then pr.maxOpen; the branch is not even read', () => {
    const at = (created: number, open: number) => decideIn(facts({ budget: { created, open, maxNewPerRun: 2, maxOpen: 5 } }), {});
    expect(at(2, 5)).toEqual({ decision: { kind: 'skip-limit', limit: 'maxNewPerRun' }, asked: ['pulls'] });
    expect(at(1, 5)).toEqual({ decision: { kind: 'skip-limit', limit: 'maxOpen' }, asked: ['pulls'] });
    expect(at(1, 4).decision.kind).toBe('create');
  });

  it('no branch: created fresh (expected: no branch)', () => {
    const { decision, asked } = decideIn(facts(), { branchSha: null });
    expect(decision).toMatchObject({ kind: 'create', expected: null });
    expect(asked).toEqual(['pulls', 'branch-sha']);
  });

  it('a branch left by stackfit (a failed run, a closed PR): reused, over exactly that head', () => {
    const left = stackfitCommit('9'.repeat(40), OLD_BASE);
    const { decision, asked } = decideIn(facts(), { branchSha: left.sha, commits: { [left.sha]: left } });
    expect(decision).toMatchObject({ kind: 'create', expected: left.sha });
    expect(asked).toEqual(['pulls', 'branch-sha', 'branch-head']);
  });

  it.each(HUMAN_HEADS)('%s on a branch with no PR: left alone, no PR opened', (_, human) => {
    const { decision } = decideIn(facts(), { branchSha: human.sha, commits: { [human.sha]: human } });
    expect(decision).toEqual({ kind: 'leave-human-branch', head: human });
  });
});

describe('stale PRs', () => {
  const prs = [{ headRef: 'stackfit/prod-frontend' }, { headRef: 'stackfit/prod-batch' }];

  it('a stackfit PR whose branch no group proposes on is stale', () => {
    expect(stalePulls(prs, new Set(['stackfit/prod-batch']), { inputsFailed: false })).toEqual([{ headRef: 'stackfit/prod-frontend' }]);
    expect(stalePulls(prs, new Set(), { inputsFailed: false })).toEqual(prs);
  });

  it('nothing is stale when the run’s inputs failed (no PR closed on missing usage)', () => {
    expect(stalePulls(prs, new Set(), { inputsFailed: true })).toEqual([]);
  });

  it('closed only when the head is stackfit’s own commit; a person’s commit leaves it to them', () => {
    expect(decideStale(stackfitCommit('1'.repeat(40)), STACKFIT_IDENTITY)).toBe('autoclose');
    for (const [, human] of HUMAN_HEADS) expect(decideStale(human, STACKFIT_IDENTITY)).toBe('leave-to-person');
  });

  it('another identity configured: stackfit’s default identity is then a stranger', () => {
    const bot = { name: 'infra-bot', email: 'infra-bot@example.com' };
    expect(decideStale(stackfitCommit('1'.repeat(40)), bot)).toBe('leave-to-person');
  });

  it('a PR is the stack’s only when its markers name the stack and its branch matches', () => {
    const body = (stack: string, group?: string) =>
      `<!-- stackfit:fingerprint=fp -->\n<!-- stackfit:stack=${stack} -->${group ? `\n<!-- stackfit:group=${group} -->` : ''}`;
    expect(isStackPull({ body: body('prod'), headRef: 'stackfit/prod' }, 'prod', 'stackfit')).toBe(true);
    expect(isStackPull({ body: body('dev'), headRef: 'stackfit/prod' }, 'prod', 'stackfit')).toBe(false);
    expect(isStackPull({ body: body('prod'), headRef: 'feature/x' }, 'prod', 'stackfit')).toBe(false);
  });
});
