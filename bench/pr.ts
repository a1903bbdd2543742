/**
 * PR bot benchmark: `npx tsx bench/pr.ts`. GitHub API calls (reads and writes) per new PR, per
 * update (changed recommendation), per no-op run, per dry run, per rebase (main changed the stack
 * file) and per autoclose (nothing recommended any more), in both modes, measured on the
 * fake GitHub server's request log (the calls a real GitHub would see, retries included), and the
 * wall time of each on loopback (write pacing off: on GitHub, writes are paced 1 s apart).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runPullRequests, type RunPullRequestsInput } from '../src/gitops/run';
import { gitOk, isolatedGitEnv, type FakeGitHub } from '../test/support/fake-github';
import { demoPrInput, planOf, PROD_CONFIG_FILE, PROD_CONFIG_TEXT, resize, startFake } from '../test/gitops-pr/helpers';

interface Row {
  mode: string;
  step: string;
  action: string;
  reads: number;
  writes: number;
  ms: number;
}

async function measure(mode: 'api' | 'local-git'): Promise<Row[]> {
  const fake: FakeGitHub = await startFake();
  const checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'stackfit-bench-'));
  if (mode === 'local-git') await gitOk(checkout, ['clone', '-q', fake.bareRepo, '.']);
  const rows: Row[] = [];
  const step = async (name: string, plan: ReturnType<typeof planOf>, extra: Partial<RunPullRequestsInput> = {}) => {
    const mark = fake.requests.length;
    const t0 = performance.now();
    const result = await runPullRequests(demoPrInput(fake, plan, { mode, localRepoDir: checkout, gitEnv: isolatedGitEnv(), ...extra }));
    const ms = performance.now() - t0;
    const requests = fake.requests.slice(mark);
    rows.push({
      mode,
      step: name,
      action: result.groups.map((g) => g.action).join(','),
      reads: requests.filter((r) => !r.write).length,
      writes: requests.filter((r) => r.write).length,
      ms,
    });
  };
  const first = planOf([resize('web', 'm5.xlarge'), resize('api', 'n2-standard-4')]);
  const second = planOf([resize('web', 'm5.large'), resize('api', 'n2-standard-4'), resize('cache', 'r5.xlarge')]);
  await step('new PR', first);
  await step('no-op run', first);
  await step('update', second);
  await step('no-op run', second);
  await step('dry run', second, { dryRun: true });
  // A teammate edits another line of the stack file on main: the branch is rebased onto it.
  await fake.commitAs(
    'main',
    { [PROD_CONFIG_FILE]: PROD_CONFIG_TEXT.replace('diskGiB: 64', 'diskGiB: 128') },
    { name: 'Dev', email: 'dev@example.com' },
  );
  await step('rebase', second);
  await step('autoclose', planOf([]));
  await step('nothing', planOf([]));
  if (fake.violations.length) throw new Error(`schema violations: ${fake.violations.join('; ')}`);
  await fake.close();
  fs.rmSync(checkout, { recursive: true, force: true });
  return rows;
}

async function main(): Promise<void> {
  // Warm-up: the first run compiles the response schemas.
  await measure('api');
  const rows = [...(await measure('api')), ...(await measure('local-git'))];
  const pad = (s: string | number, n: number) => String(s).padEnd(n);
  process.stdout.write(
    `${pad('mode', 10)}${pad('step', 11)}${pad('result', 12)}${pad('reads', 7)}${pad('writes', 8)}${pad('calls', 7)}ms\n`,
  );
  for (const r of rows) {
    process.stdout.write(
      `${pad(r.mode, 10)}${pad(r.step, 11)}${pad(r.action, 12)}${pad(r.reads, 7)}${pad(r.writes, 8)}${pad(r.reads + r.writes, 7)}${r.ms.toFixed(0)}\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
