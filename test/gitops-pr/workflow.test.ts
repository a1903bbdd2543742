import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { allowJsonImports } from '../support/fake-github/json-import-hook';
import { REPO_ROOT } from './helpers';

type Parser = typeof import('@actions/workflow-parser');
type ActionParser = typeof import('@actions/workflow-parser/actions/index');
let parser: Parser;
let actions: ActionParser;
beforeAll(async () => {
  allowJsonImports();
  parser = await import('@actions/workflow-parser');
  actions = await import('@actions/workflow-parser/actions/index');
});

const WORKFLOW = path.join(REPO_ROOT, '.github/workflows/stackfit.yml');
const ACTION = path.join(REPO_ROOT, 'action.yml');

/** Token tree → plain values (expressions as `${{ … }}` text). */
function toPlain(token: unknown): unknown {
  const t = token as { value?: unknown; expression?: string; [Symbol.iterator]?: unknown };
  if (parser.isMapping(token as never)) {
    const out: Record<string, unknown> = {};
    for (const pair of token as Iterable<{ key: { value: string }; value: unknown }>) out[pair.key.value] = toPlain(pair.value);
    return out;
  }
  if (parser.isSequence(token as never)) return [...(token as Iterable<unknown>)].map(toPlain);
  if (typeof t.expression === 'string') return `\${{ ${t.expression} }}`;
  return t.value;
}

/** Every action reference outside this repository is a full commit SHA, never a movable tag. */
function expectPinned(steps: readonly { uses?: string }[]): void {
  const remote = steps.map((st) => st.uses).filter((u): u is string => typeof u === 'string' && !u.startsWith('./'));
  expect(remote.length).toBeGreaterThan(0);
  for (const u of remote) expect(u).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
}

function errorsOf(context: { errors: { getErrors(): { message: string }[] } }): string[] {
  return context.errors.getErrors().map((e) => e.message);
}

describe('GitHub’s own parser accepts the workflow and the action', () => {
  it('the cost-comment example workflow: pull requests touching stacks, read contents, write PR comments', async () => {
    const file = path.join(REPO_ROOT, 'docs/examples/stackfit-cost-comment.yml');
    const parsed = parser.parseWorkflow(
      { name: 'stackfit-cost-comment.yml', content: fs.readFileSync(file, 'utf8') },
      new parser.NoOperationTraceWriter(),
    );
    expect(errorsOf(parsed.context)).toEqual([]);
    const template = await parser.convertWorkflowTemplate(parsed.context, parsed.value!);
    expect(template.errors ?? []).toEqual([]);
    expect(Object.keys(template.events as Record<string, unknown>)).toEqual(['pull_request']);
    const workflow = toPlain(parsed.value) as { permissions: unknown; jobs: Record<string, Record<string, unknown>> };
    expect(workflow.permissions).toEqual({});
    expect(workflow.jobs.cost!.permissions).toEqual({ contents: 'read', 'pull-requests': 'write', 'id-token': 'write' });
    // One run per PR: a newer push cancels the older one.
    expect((workflow as { concurrency?: unknown }).concurrency).toEqual({
      group: "${{ format('stackfit-cost-{0}', github.event.pull_request.number) }}",
      'cancel-in-progress': true,
    });
    const steps = workflow.jobs.cost!.steps as { run?: string; uses?: string }[];
    // A run with an expression parses to format(…): check the source text for the head SHA.
    expect(steps.some((st) => st.run?.includes('npx stackfit diff --preview preview-*.json --comment'))).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toContain('--commit "${{ github.event.pull_request.head.sha }}"');
    expect(steps.some((st) => st.run?.includes('sh -s -- --version "$PULUMI_VERSION"'))).toBe(true);
    expectPinned(steps);
  });

  it('workflow: schedule + dispatch, a stack-listing job feeding a fail-slow matrix, least permissions', async () => {
    const parsed = parser.parseWorkflow(
      { name: 'stackfit.yml', content: fs.readFileSync(WORKFLOW, 'utf8') },
      new parser.NoOperationTraceWriter(),
    );
    expect(errorsOf(parsed.context)).toEqual([]);
    const template = await parser.convertWorkflowTemplate(parsed.context, parsed.value!);
    expect(template.errors ?? []).toEqual([]);
    const events = template.events as Record<string, unknown>;
    expect(Object.keys(events).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect((template.jobs as { id: { value: string } }[]).map((j) => j.id.value)).toEqual(['stacks', 'build', 'pr']);
    // The converted model drops `permissions`: read them from the validated token tree.
    const workflow = toPlain(parsed.value) as { permissions: unknown; jobs: Record<string, Record<string, unknown>> };
    expect(workflow.permissions).toEqual({});
    const { stacks, build, pr } = workflow.jobs;
    expect(stacks!.permissions).toEqual({ contents: 'read' });
    expect(stacks!.outputs).toEqual({ stacks: '${{ steps.list.outputs.stacks }}' });
    expect(pr!.permissions).toEqual({ contents: 'write', 'pull-requests': 'write', 'id-token': 'write' });
    expect(pr!.needs).toEqual(['stacks', 'build']);
    // TypeScript compiles once per run (build job); the matrix jobs get its dist/ and compile nothing.
    expect(build!.permissions).toEqual({ contents: 'read' });
    expect(
      (build!.steps as Record<string, unknown>[]).some(
        (st) => st.uses === 'actions/upload-artifact@65c4c4a1ddee5b72f698fdd19549f0f0fb45cf08',
      ),
    ).toBe(true);
    expect(
      (pr!.steps as Record<string, unknown>[]).find(
        (st) => st.uses === 'actions/download-artifact@fa0a91b85d4f404e444e00e005971372dc801d16',
      ),
    ).toMatchObject({ with: { name: 'stackfit-dist', path: 'dist/' } });
    // One job per stack, from the first job's JSON output; one stack failing does not stop the others.
    expect(pr!.strategy).toEqual({ 'fail-fast': false, matrix: { stack: '${{ fromJSON(needs.stacks.outputs.stacks) }}' } });
    const steps = pr!.steps as Record<string, unknown>[];
    expect(steps.find((st) => st.uses === './')).toMatchObject({
      with: { stack: '${{ matrix.stack }}', token: '${{ steps.app-token.outputs.token || github.token }}' },
    });
    expectPinned([...(stacks!.steps as { uses?: string }[]), ...(steps as { uses?: string }[])]);
    // OIDC logins for the three clouds, each only when configured.
    const logins = (steps as { uses?: string; if?: string }[]).filter((st) =>
      /configure-aws-credentials|azure\/login|google-github-actions\/auth/.test(st.uses ?? ''),
    );
    expect(logins.map((st) => st.if)).toEqual([
      `vars.AWS_ROLE_ARN != ''`,
      `vars.AZURE_CLIENT_ID != ''`,
      `vars.GCP_WORKLOAD_IDENTITY_PROVIDER != ''`,
    ]);
  });

  it('the stack-listing step finds the stacks from Pulumi.yaml’s stackConfigDir', () => {
    const workflow = fs.readFileSync(WORKFLOW, 'utf8');
    const script = /- name: Find Pulumi\.<stack>\.yaml files[\s\S]*?run: \|\n([\s\S]*?)\n\n/.exec(workflow)![1]!.replace(/^ {10}/gm, '');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stackfit-wf-'));
    fs.copyFileSync(path.join(REPO_ROOT, 'Pulumi.yaml'), path.join(dir, 'Pulumi.yaml'));
    fs.cpSync(path.join(REPO_ROOT, 'stacks'), path.join(dir, 'stacks'), { recursive: true });
    const output = path.join(dir, 'out');
    execFileSync('bash', ['-e', '-c', script], { cwd: dir, env: { PATH: process.env.PATH, GITHUB_OUTPUT: output } });
    const stacks = fs
      .readdirSync(path.join(REPO_ROOT, 'stacks'))
      .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
      .map((f) => f.slice(7, -5))
      .sort();
    expect(fs.readFileSync(output, 'utf8')).toBe(`stacks=${JSON.stringify(stacks)}\n`);
    expect(stacks).toContain('prod');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('action.yml: a composite action whose inputs reach the entry point as INPUT_*', () => {
    const text = fs.readFileSync(ACTION, 'utf8');
    const parsed = actions.parseAction({ name: 'action.yml', content: text }, new parser.NoOperationTraceWriter());
    expect(errorsOf(parsed.context)).toEqual([]);
    const action = actions.convertActionTemplate(parsed.context, parsed.value!);
    expect(action.runs.using).toBe('composite');
    const inputs = (action.inputs ?? []).map((i) => i.id);
    expect(inputs).toEqual(
      expect.arrayContaining(['stack', 'state', 'usage', 'config', 'mode', 'dry-run', 'max-new-per-run', 'max-open', 'token']),
    );
    expect(action.inputs!.find((i) => i.id === 'stack')!.required).toBe(true);
    // Every input except token and working-directory is handed to the CLI as INPUT_<NAME>.
    for (const id of inputs.filter((i) => i !== 'token' && i !== 'working-directory')) {
      expect(text).toContain(`INPUT_${id.toUpperCase().replace(/-/g, '_')}: \${{ inputs.${id} }}`);
    }
    expect(text).toContain('bin/stackfit.js" pr --action');
    // A slim install: runtime dependencies only, no compiling per job, npm's cache keyed on the lockfile.
    expect(text).toContain('npm ci --omit=dev --ignore-scripts');
    expect(text).not.toMatch(/\btsc\b|npm run build\n|npm ci --no-audit/);
    expect(text).toContain('sha256sum "$GITHUB_ACTION_PATH/package-lock.json"');
    expect(text).toContain('uses: actions/cache@1bd1e32a3bdc45362d1e726936510720a7c30a57');
  });
});
