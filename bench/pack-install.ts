/**
 * The published package, as a user gets it: `npm pack` of this checkout, then `npm install
 * <tarball>` into an empty project (from the local npm cache: `--prefer-offline`, so it runs
 * without a network when the cache holds the dependencies, as after `npm ci` here). Reports the
 * tarball size, the install's time and size on disk, checks that no Pulumi provider SDK and no
 * devDependency came along, and that the installed `npx stackfit recommend --state …` and
 * `npx stackfit check` work there. Fails (exit 1) when any of that does not hold.
 *
 * Run: `npm run bench -- pack-install`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'stackfit-pack-'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let failed = false;

function check(ok: boolean, what: string): void {
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${what}\n`);
  if (!ok) failed = true;
}

function duBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += duBytes(p);
    else if (entry.isFile()) total += statSync(p).size;
  }
  return total;
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

try {
  // dist/ up to date, then pack without running `prepare` again.
  execFileSync(process.execPath, [path.join(ROOT, 'bin', 'build.js'), '--if-stale'], { stdio: 'inherit' });
  const packed = JSON.parse(
    execFileSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8' }),
  ) as { filename: string; size: number; unpackedSize: number; entryCount: number }[];
  const tarball = path.join(tmp, packed[0]!.filename);
  process.stdout.write(
    `tarball ${packed[0]!.filename}: ${mb(packed[0]!.size)} (${mb(packed[0]!.unpackedSize)} unpacked, ${packed[0]!.entryCount} files)\n`,
  );

  const project = path.join(tmp, 'project');
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(path.join(project, 'package.json'), '{ "name": "stackfit-install-check", "private": true }\n');
  const start = process.hrtime.bigint();
  const install = spawnSync(npm, ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  check(
    install.status === 0,
    `npm install <tarball> --prefer-offline: ${seconds.toFixed(1)} s${install.status === 0 ? '' : `\n${install.stderr}`}`,
  );
  const nodeModules = path.join(project, 'node_modules');
  const packages = readdirSync(nodeModules).flatMap((name) =>
    name.startsWith('@') ? readdirSync(path.join(nodeModules, name)).map((n) => `${name}/${n}`) : name.startsWith('.') ? [] : [name],
  );
  process.stdout.write(`installed: ${mb(duBytes(nodeModules))} in node_modules, ${packages.length} top-level packages\n`);
  for (const sdk of ['@pulumi/aws', '@pulumi/azure-native', '@pulumi/gcp', 'typescript', 'tsx', 'vitest'])
    check(!existsSync(path.join(nodeModules, sdk)), `${sdk} not installed`);

  const stateFile = path.join(ROOT, 'data', 'pulumi', 'stack-export', 'pulumi-aws-recorded-ec2-instance-5.42.0.stack.json');
  const csv = path.join(tmp, 'usage.csv');
  writeFileSync(csv, 'timestamp,resource,metric,value\n2026-10-01T00:00:00Z,i-0ecb41f78d825dd80,cpu_cores,0.5\n');
  const npx = (args: string[]) => spawnSync('npx', ['--no-install', 'stackfit', ...args], { cwd: project, encoding: 'utf8' });
  const rec = npx(['recommend', '--state', stateFile, '--usage', csv, '--format', 'json', '--now', '2026-10-02T00:00:00Z']);
  let items = -1;
  try {
    items = (JSON.parse(rec.stdout) as { items: unknown[] }).items.length;
  } catch {
    // reported below
  }
  check(
    rec.status === 0 && items === 1,
    `npx stackfit recommend --state …: exit ${rec.status}, ${items} item(s)${rec.status === 0 ? '' : `\n${rec.stderr}`}`,
  );
  const chk = npx(['check', '--state', stateFile, '--format', 'json']);
  let policies = '';
  try {
    policies = (JSON.parse(chk.stdout) as { pack: { name: string } }).pack.name;
  } catch {
    // reported below
  }
  // Exit 2 means a mandatory violation was found: the pack ran.
  check(
    (chk.status === 0 || chk.status === 2) && policies !== '',
    `npx stackfit check --state …: exit ${chk.status}, pack ${policies || '(none)'}${policies ? '' : `\n${chk.stderr}`}`,
  );
  const demo = npx(['recommend', '--demo']);
  check(
    demo.status !== 0 && demo.stderr.includes('source checkout'),
    'npx stackfit recommend --demo says the demo needs a source checkout',
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (failed) process.exit(1);
