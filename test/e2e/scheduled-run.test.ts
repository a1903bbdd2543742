/**
 * The scheduled run, end to end, every part real: the example project's program (run under
 * mocks) exported as `pulumi stack export` would, a real Prometheus holding real Bitbrains traces
 * under the hostnames of the stack's VMs, the fake GitHub holding the example project's files
 * (a real bare git repository), and the action's entry point with the environment the Actions
 * runner sets. Then the git repository itself is read: the branch, its one commit, its diff.
 *
 * Ids: a mocked program has no cloud ids or hostnames (the mocks echo inputs and give ids like
 * `web-0-mock-id`). The export below fills the outputs a real export carries (EC2 `i-…` ids and
 * `privateDns`, ARM ids, GCE numeric `instanceId` and auto-name), deterministically from each
 * resource's logical name, exactly where the real provider puts them.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { diffLines } from 'diff';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction } from '../../src/cli/pr';
import type { Series } from '../../src/model';
import { registeredResourcesFromProgram } from '../../src/stack/demo';
import { readTraceDir, type Trace } from '../../src/usage/traces';
import { FakeGitHub, ResponseSchemaValidator } from '../support/fake-github';
import { gitOk } from '../support/fake-github/git';
import { BITBRAINS_DIR, SLOT_SECONDS, startPrometheus, writeOpenMetrics, type RunningPrometheus } from '../support/prometheus';
import { lacks } from '../support/tools';

const REPO_ROOT = path.resolve(__dirname, '../..');
const STACK_FILE = 'stacks/Pulumi.prod.yaml';
const NOW = new Date('2026-11-01T00:00:00Z');
const HISTORY_DAYS = 10;
const AZURE_SUBSCRIPTION = '00000000-0000-0000-0000-0000000000e2';

/** Deterministic hex from a name (stands in for the ids a cloud assigns). */
const hexOf = (name: string, length: number): string => createHash('sha256').update(name).digest('hex').slice(0, length);
const digitsOf = (name: string, length: number): string =>
  BigInt(`0x${hexOf(name, 15)}`)
    .toString()
    .padStart(length, '7')
    .slice(0, length);

/** The outputs a real `pulumi up` records for a VM, where each provider records them. */
function cloudOutputs(type: string, name: string, inputs: Record<string, unknown>): { id: string; outputs: Record<string, unknown> } {
  if (type === 'aws:ec2/instance:Instance') {
    const id = `i-0${hexOf(name, 16)}`;
    const octet = parseInt(hexOf(name, 2), 16);
    return { id, outputs: { ...inputs, id, privateDns: `ip-10-0-${octet}-${(octet * 7) % 250}.ec2.internal`, instanceState: 'running' } };
  }
  if (type === 'azure-native:compute:VirtualMachine') {
    const id = `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/${name.replace(/-\d+$/, '')}-rg${hexOf(name, 7)}/providers/Microsoft.Compute/virtualMachines/${name}${hexOf(`${name}vm`, 7)}`;
    return {
      id,
      outputs: { ...inputs, id, vmId: `${hexOf(name, 8)}-${hexOf(name, 4)}-4${hexOf(name, 3)}-a${hexOf(name, 3)}-${hexOf(name, 12)}` },
    };
  }
  if (type === 'gcp:compute/instance:Instance') {
    // GCE auto-names `<logical name>-<7 hex>`; the guest's hostname is the instance name.
    const autoName = `${name}-${hexOf(name, 7)}`;
    const zone = String((inputs.zone as string | undefined) ?? '');
    const project = String((inputs.project as string | undefined) ?? 'stackfit-demo-prod');
    const id = `projects/${project}/zones/${zone}/instances/${autoName}`;
    return {
      id,
      outputs: {
        ...inputs,
        id,
        name: autoName,
        instanceId: digitsOf(name, 19),
        project,
        selfLink: `https://www.googleapis.com/compute/v1/${id}`,
      },
    };
  }
  return { id: `${name}-${hexOf(name, 8)}`, outputs: { ...inputs } };
}

/** A trace's last `days` days, moved (by whole 5-minute slots) to end at `end`. */
function recent(trace: Trace, days: number, end: Date): Trace {
  const last = trace.cpuCores.t.at(-1)!;
  const shift = Math.floor((end.getTime() - last) / (SLOT_SECONDS * 1000)) * SLOT_SECONDS * 1000;
  const from = last - days * 86_400_000;
  const cut = (s: Series): Series => {
    const i = s.t.findIndex((t) => t > from);
    return { t: s.t.slice(i).map((t) => t + shift), v: s.v.slice(i) };
  };
  return { ...trace, cpuCores: cut(trace.cpuCores), ...(trace.memoryGiB ? { memoryGiB: cut(trace.memoryGiB) } : {}) };
}

interface Run {
  prom: RunningPrometheus;
  fake: FakeGitHub;
  dir: string;
  projectDir: string;
  exportFile: string;
  hostnames: Map<string, string>;
}

let run: Run;

beforeAll(async () => {
  if (lacks('prometheus') || lacks('git')) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stackfit-e2e-'));
  // The example project as a user's repository checkout holds it.
  const projectDir = path.join(dir, 'repo');
  fs.mkdirSync(path.join(projectDir, 'stacks'), { recursive: true });
  const files: Record<string, string> = {};
  for (const file of ['Pulumi.yaml', STACK_FILE, 'stackfit.yaml']) {
    files[file] = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
    fs.writeFileSync(path.join(projectDir, file), files[file]);
  }

  // `pulumi stack export` of prod, from the program's registrations.
  const registered = await registeredResourcesFromProgram({ projectDir: REPO_ROOT, stack: 'prod' });
  const resources = registered.map((r) => {
    const { id, outputs } = r.custom ? cloudOutputs(r.type, r.name, r.inputs) : { id: undefined, outputs: r.inputs };
    return {
      urn: r.urn,
      custom: r.custom,
      ...(id ? { id } : {}),
      type: r.type,
      inputs: r.inputs,
      outputs,
      ...(r.parent ? { parent: r.parent } : {}),
      ...(r.provider ? { provider: r.provider } : {}),
    };
  });
  const exportFile = path.join(dir, 'prod.stack.json');
  fs.writeFileSync(
    exportFile,
    JSON.stringify(
      { version: 3, deployment: { manifest: { time: NOW.toISOString(), magic: '', version: 'v3.248.0' }, resources } },
      null,
      2,
    ),
  );

  // node_exporter data of every VM, keyed by the hostname the export gives it.
  const hostnames = new Map<string, string>();
  for (const r of resources) {
    const o = r.outputs;
    const host =
      r.type === 'aws:ec2/instance:Instance'
        ? o.privateDns
        : r.type === 'gcp:compute/instance:Instance'
          ? o.name
          : r.type === 'azure-native:compute:VirtualMachine'
            ? (o.osProfile as { computerName?: string })?.computerName
            : undefined;
    if (typeof host === 'string') hostnames.set(r.urn.split('::').pop()!, host);
  }
  const traces = readTraceDir(BITBRAINS_DIR);
  const vms = [...hostnames.entries()];
  const omFile = path.join(dir, 'prod.om');
  await writeOpenMetrics(
    omFile,
    vms.map(([, host], i) => ({ instance: `${host}:9100`, trace: recent(traces[i % traces.length]!, HISTORY_DAYS, NOW) })),
  );
  const prom = await startPrometheus({ openMetricsFiles: [omFile] });
  const fake = await FakeGitHub.start({ files, validator: new ResponseSchemaValidator() });
  run = { prom, fake, dir, projectDir, exportFile, hostnames };
}, 240_000);

afterAll(async () => {
  await run?.prom.stop();
  await run?.fake.close();
  if (run?.dir) fs.rmSync(run.dir, { recursive: true, force: true });
});

/** The environment the Actions runner gives the action's step. */
function runnerEnv(inputs: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: os.tmpdir(),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: `${run.fake.owner}/${run.fake.repo}`,
    GITHUB_API_URL: run.fake.url,
    GITHUB_SERVER_URL: 'https://github.test',
    GITHUB_TOKEN: run.fake.token,
    GITHUB_EVENT_NAME: 'schedule',
    GITHUB_WORKSPACE: run.projectDir,
    GITHUB_STEP_SUMMARY: path.join(run.dir, 'summary.md'),
    GITHUB_OUTPUT: path.join(run.dir, 'output.txt'),
    RUNNER_TEMP: run.dir,
    ...inputs,
  };
}

/** Runs a step the way the runner does: in the workspace (where the usage cache goes). */
async function inWorkspace<T>(step: () => Promise<T>): Promise<T> {
  const cwd = process.cwd();
  process.chdir(run.projectDir);
  try {
    return await step();
  } finally {
    process.chdir(cwd);
  }
}

/**
 * `stackfit recommend --format json` on the same inputs, as a user runs it (`bin/stackfit.js`, in
 * its own process: the command loads the usage adapters with a plain `require`).
 */
async function recommendJson(exportFile = run.exportFile): Promise<ReportJson & { stderr: string }> {
  const out = path.join(run.dir, 'report.json');
  const args = [
    path.join(REPO_ROOT, 'bin/stackfit.js'),
    'recommend',
    '--state',
    exportFile,
    '--stack',
    'prod',
    '--usage',
    `prometheus://127.0.0.1:${run.prom.port}`,
    '--now',
    NOW.toISOString(),
    '--format',
    'json',
    '--output',
    out,
  ];
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd: run.projectDir, env: { PATH: process.env.PATH, HOME: os.tmpdir(), CI: 'true' } },
      (err, _out, errOut) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr: String(errOut) }),
    );
  });
  expect(stderr.split('\n').filter((l) => l.startsWith('stackfit:') && !l.startsWith('stackfit: warning:'))).toEqual([]);
  expect(code).toBe(0);
  return { ...(JSON.parse(fs.readFileSync(out, 'utf8')) as ReportJson), stderr };
}

interface ReportJson {
  stack: string;
  totals: { monthlyBefore: number; monthlyAfter: number; monthlyDelta: number };
  items: {
    urn: string;
    action: string;
    evidence: { notes: string[] };
    workload: { name: string; cloud: string; region?: string; size: string; count: number };
    chosen: { cloud: string; region: string; size: string } | null;
    countAfter: number;
    monthlyBefore: number | null;
    monthlyAfter: number | null;
    monthlyDelta: number | null;
  }[];
  missingUsage: { urn: string; reason: string }[];
}

describe.skipIf(lacks('prometheus') || lacks('git'))('the scheduled GitHub Action run, all real parts together', () => {
  it('reads the stack and Prometheus, opens stackfit/prod with one commit editing exactly the planned lines, and is idempotent', async () => {
    // Every VM of the stack has a hostname in the export, and the workloads with several VMs
    // are read per instance.
    expect(run.hostnames.size).toBe(13);

    const report = await recommendJson();
    expect(report.missingUsage).toEqual([]);
    expect(report.stderr).not.toContain('warning');
    expect(report.items).toHaveLength(6);
    // Workloads with several VMs are sized on the mean of their instances, the busiest kept as evidence.
    const notesOf = (name: string): string[] => report.items.find((i) => i.workload.name === name)!.evidence.notes;
    for (const [name, count] of [
      ['web', 3],
      ['api', 2],
      ['worker', 4],
      ['search', 2],
    ] as const) {
      expect(notesOf(name), name).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^CPU is the mean of ${count} instances, memory the largest instance's; the busiest instance: CPU p95 [0-9.]+ · max [0-9.]+ cores, memory p95 [0-9.]+ · max [0-9.]+ GiB$`,
          ),
        ),
      );
    }
    expect(notesOf('cache').filter((n) => n.includes('instances'))).toEqual([]);
    const changed = report.items.filter((i) => i.action === 'resize' || i.action === 'move');
    expect(changed.length).toBeGreaterThan(0);

    const env = runnerEnv({
      INPUT_STACK: 'prod',
      INPUT_STATE: run.exportFile,
      INPUT_USAGE: `prometheus://127.0.0.1:${run.prom.port}`,
      INPUT_WORKING_DIRECTORY: run.projectDir,
      INPUT_NOW: NOW.toISOString(),
      INPUT_MODE: 'api',
    });
    const log: string[] = [];
    const result = await inWorkspace(() =>
      runAction({ env, out: (t) => log.push(t), err: (t) => log.push(t), clientOptions: { retryBaseMs: 5, writeIntervalMs: 0 } }),
    );
    expect(run.fake.violations).toEqual([]);
    expect(result.groups).toHaveLength(1);
    expect(result.groups[0]).toMatchObject({ branch: 'stackfit/prod', action: 'created', number: 1 });

    // The bare repository: one commit on top of main, touching only the stack file.
    const bare = run.fake.bareRepo;
    const mainSha = await gitOk(bare, ['rev-parse', 'refs/heads/main']);
    const commits = (await gitOk(bare, ['rev-list', `${mainSha}..refs/heads/stackfit/prod`])).split('\n').filter(Boolean);
    expect(commits).toHaveLength(1);
    expect(await gitOk(bare, ['rev-parse', `${commits[0]}^`])).toBe(mainSha);
    expect(await gitOk(bare, ['diff', '--name-only', mainSha, 'refs/heads/stackfit/prod'])).toBe(STACK_FILE);

    // The edited lines are those the plan changes: per workload, its size (for a move its
    // cloud/region/zone, for a scale-out its count), and the edited YAML is the original with the
    // plan's choices applied.
    const before = await gitOk(bare, ['show', `${mainSha}:${STACK_FILE}`]);
    const after = await gitOk(bare, ['show', `refs/heads/stackfit/prod:${STACK_FILE}`]);
    const edited = diffLines(before, after)
      .filter((p) => p.added || p.removed)
      .flatMap((p) => p.value.split('\n').filter(Boolean));
    expect(edited.filter((l) => !/^ {6}(size|cloud|region|zone|count): \S+/.test(l))).toEqual([]);
    const sizeChanges = changed.filter((i) => i.chosen!.size !== i.workload.size).length;
    expect(edited.filter((l) => /^ {6}size: /.test(l))).toHaveLength(2 * sizeChanges);
    type Spec = { cloud: string; region: string; size: string; zone?: string; count?: number };
    const specsBefore = (parseYaml(before) as { config: Record<string, Record<string, Spec>> }).config['stackfit-demo:workloads']!;
    const specsAfter = (parseYaml(after) as { config: Record<string, Record<string, Spec>> }).config['stackfit-demo:workloads']!;
    for (const item of report.items) {
      const name = item.workload.name;
      const changes = item.chosen && item.action !== 'keep' && item.action !== 'no-recommendation';
      const expected = changes
        ? {
            cloud: item.chosen!.cloud,
            region: item.chosen!.region,
            size: item.chosen!.size,
            ...(item.countAfter !== item.workload.count && { count: item.countAfter }),
          }
        : {};
      const { zone: _zoneAfter, ...restAfter } = specsAfter[name]!;
      const { zone: _zoneBefore, ...restBefore } = specsBefore[name]!;
      expect(restAfter, name).toEqual({ ...restBefore, ...expected });
    }

    // The PR body: the cost table's rows and the totals of the JSON report.
    const pr = run.fake.pulls.get(1)!;
    expect(pr.headRef).toBe('stackfit/prod');
    const body = pr.body ?? '';
    for (const item of changed) {
      const row = body.split('\n').find((l) => l.startsWith('|') && l.includes(`\`${item.workload.name}\``));
      expect(row, item.workload.name).toBeDefined();
      expect(row).toContain(item.workload.size);
      expect(row).toContain(item.chosen!.size);
    }
    // Cost table: Before / After / Change, monthly and yearly, equal to the report's (cents).
    const money = (text: string): number => (text.includes('-') ? -1 : 1) * Number(text.replace(/[^0-9.]/g, ''));
    const costRow = (label: string): [number, number] => {
      const m = new RegExp(`^\\| ${label} \\| ([^|]+) \\| ([^|]+) \\|$`, 'm').exec(body);
      expect(m, label).not.toBeNull();
      return [money(m![1]!), money(m![2]!)];
    };
    const sum = (f: (i: (typeof changed)[number]) => number | null): number => changed.reduce((n, i) => n + (f(i) ?? 0), 0);
    const expectedRows: [string, number][] = [
      ['Before', sum((i) => i.monthlyBefore)],
      ['After', sum((i) => i.monthlyAfter)],
      ['\\*\\*Change\\*\\*', sum((i) => i.monthlyDelta)],
    ];
    for (const [label, monthly] of expectedRows) {
      const [m, y] = costRow(label);
      expect(Math.abs(m - monthly), label).toBeLessThan(0.006);
      expect(Math.abs(y - monthly * 12), label).toBeLessThan(0.12);
    }
    // Every workload changes in this run, so the PR's totals are the report's.
    expect(changed).toHaveLength(report.items.length);
    expect(Math.abs(costRow('Before')[0] - report.totals.monthlyBefore)).toBeLessThan(0.006);
    expect(Math.abs(costRow('After')[0] - report.totals.monthlyAfter)).toBeLessThan(0.006);

    const summary = fs.readFileSync(env.GITHUB_STEP_SUMMARY!, 'utf8');
    expect(summary).toContain('### stackfit: stack `prod`');
    expect(summary).toContain('| `stackfit/prod` | created | [#1](https://github.test/acme/infra/pull/1) |');
    expect(fs.readFileSync(env.GITHUB_OUTPUT!, 'utf8')).toMatch(/^created<<\S+\n1\n/m);
    for (const text of [log.join(''), summary, body]) expect(text).not.toContain(run.fake.token);

    // The next scheduled run: same data, same plan, no write.
    const mark = run.fake.requests.length;
    const again = await inWorkspace(() =>
      runAction({ env, out: () => {}, err: () => {}, clientOptions: { retryBaseMs: 5, writeIntervalMs: 0 } }),
    );
    expect(again.groups.map((g) => g.action)).toEqual(['unchanged']);
    expect(run.fake.writes(mark)).toEqual([]);
  }, 240_000);

  it('a VM without monitoring data (replaced, renamed): its workload is sized from the others, and the CLI warns', async () => {
    const exported = JSON.parse(fs.readFileSync(run.exportFile, 'utf8')) as {
      deployment: { resources: { urn: string; outputs: Record<string, unknown> }[] };
    };
    const web1 = exported.deployment.resources.find((r) => r.urn.endsWith('::web-1'))!;
    web1.outputs.privateDns = 'ip-10-9-9-9.ec2.internal';
    const file = path.join(run.dir, 'prod-replaced.stack.json');
    fs.writeFileSync(file, JSON.stringify(exported));
    const report = await recommendJson(file);
    expect(report.missingUsage).toEqual([]);
    expect(report.stderr).toContain(
      `stackfit: warning: web: prometheus://127.0.0.1:${run.prom.port} has usage for 2 of 3 instances, sized from those (ip-10-9-9-9.ec2.internal: no CPU data for instance="ip-10-9-9-9.ec2.internal" in the range)`,
    );
    const web = report.items.find((i) => i.workload.name === 'web')!;
    expect(web.workload.count).toBe(3);
    expect(web.evidence.notes).toContainEqual(
      expect.stringMatching(/^CPU is the mean of 2 of 3 instances, memory the largest instance's; /),
    );
  }, 120_000);

  it('a project in a subfolder of the checkout (working-directory: infra) gets its stack file edited at infra/stacks/…', async () => {
    const files: Record<string, string> = {};
    for (const file of ['Pulumi.yaml', STACK_FILE, 'stackfit.yaml'])
      files[`infra/${file}`] = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
    const fake = await FakeGitHub.start({ files: { 'README.md': '# platform\n', ...files }, validator: new ResponseSchemaValidator() });
    const workspace = path.join(run.dir, 'workspace');
    try {
      // actions/checkout: a clone of the repository is the workspace.
      await gitOk(run.dir, ['clone', '--quiet', fake.bareRepo, workspace]);
      const env = {
        ...runnerEnv({
          INPUT_STACK: 'prod',
          INPUT_STATE: run.exportFile,
          INPUT_USAGE: `prometheus://127.0.0.1:${run.prom.port}`,
          INPUT_WORKING_DIRECTORY: 'infra',
          INPUT_NOW: NOW.toISOString(),
        }),
        GITHUB_REPOSITORY: `${fake.owner}/${fake.repo}`,
        GITHUB_API_URL: fake.url,
        GITHUB_TOKEN: fake.token,
        GITHUB_WORKSPACE: workspace,
      };
      const cwd = process.cwd();
      process.chdir(workspace);
      let result;
      try {
        result = await runAction({ env, out: () => {}, err: () => {}, clientOptions: { retryBaseMs: 5, writeIntervalMs: 0 } });
      } finally {
        process.chdir(cwd);
      }
      expect(fake.violations).toEqual([]);
      expect(result.groups.map((g) => g.action)).toEqual(['created']);
      const mainSha = await gitOk(fake.bareRepo, ['rev-parse', 'refs/heads/main']);
      expect(await gitOk(fake.bareRepo, ['diff', '--name-only', mainSha, 'refs/heads/stackfit/prod'])).toBe(`infra/${STACK_FILE}`);
    } finally {
      await fake.close();
    }
  }, 120_000);
});
