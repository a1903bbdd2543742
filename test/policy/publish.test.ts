import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HOURS_PER_MONTH } from '../../src/model';
import { readPolicyInputs, resolveRunPolicyPack, runPolicyPack } from '../../src/policy-harness';
import { ensurePackBuilt, exportsDir, packDir, repoDir } from './helpers';

/**
 * `pulumi policy publish` packs the pack folder alone (npm pack) and the service installs that
 * folder's dependencies: here, `npm pack` of policies/, extracted into an empty folder, with only
 * the dependencies its package.json declares made resolvable (linked from this checkout instead
 * of downloaded), then launched as the CLI launches a pack.
 */
describe('the published policy pack', () => {
  let published: string;
  let files: string[];

  beforeAll(() => {
    ensurePackBuilt();
    const work = mkdtempSync(path.join(tmpdir(), 'stackfit-publish-'));
    const out = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
        cwd: packDir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ) as {
      filename: string;
      files: { path: string }[];
    }[];
    files = out[0]!.files.map((f) => f.path).sort();
    const empty = path.join(work, 'empty');
    mkdirSync(empty);
    execFileSync('tar', ['-xzf', path.join(work, out[0]!.filename), '-C', empty]);
    published = path.join(empty, 'package');
    const pkg = JSON.parse(readFileSync(path.join(published, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies)) {
      const target = path.join(published, 'node_modules', dep);
      mkdirSync(path.dirname(target), { recursive: true });
      symlinkSync(path.join(repoDir, 'node_modules', dep), target, 'dir');
    }
  });

  it('holds its code and catalog, with main inside the folder and the same dependency ranges as stackfit', () => {
    expect(files).toEqual([
      'PulumiPolicy.yaml',
      'bin/index.js',
      'catalog/NOTICE.md',
      'catalog/aws-database.json',
      'catalog/aws-eks-max-pods.json',
      'catalog/aws-vm.json',
      'catalog/azure-vm.json',
      'catalog/gcp-vm.json',
      'package.json',
    ]);
    const pack = JSON.parse(readFileSync(path.join(published, 'package.json'), 'utf8')) as {
      main: string;
      dependencies: Record<string, string>;
    };
    const root = JSON.parse(readFileSync(path.join(repoDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pack.main).toBe('bin/index.js');
    expect(pack.dependencies).toEqual({
      '@pulumi/policy': root.dependencies['@pulumi/policy'],
      '@pulumi/pulumi': root.dependencies['@pulumi/pulumi'],
    });
    // Nothing but the declared dependencies is installed next to it.
    expect(readdirSync(path.join(published, 'node_modules/@pulumi')).sort()).toEqual(['policy', 'pulumi']);
    // Nothing in it points back into this checkout (an absolute path would work here and nowhere else).
    for (const f of files) expect(readFileSync(path.join(published, f), 'utf8').includes(repoDir), f).toBe(false);
    // The CLI finds the runner from the pack folder: the one installed with it (linked here, hence realpath).
    expect(resolveRunPolicyPack(published)).toBe(
      realpathSync(path.join(published, 'node_modules/@pulumi/pulumi/cmd/run-policy-pack/index.js')),
    );
  });

  it('starts with the CLI launch command in the empty folder and prices from its own catalog', async () => {
    const rds = readPolicyInputs(path.join(exportsDir, 'pulumi-aws-recorded-rds-instance-5.42.0.stack.json'));
    // No STACKFIT_CATALOG_DIR, no checkout above it: the catalog must be the one in the pack.
    const env = { STACKFIT_CATALOG_DIR: '' };
    const result = await runPolicyPack({
      packDir: published,
      project: 'test',
      stack: 'test',
      env,
      resources: rds.resources,
      policyConfig: { 'stackfit-stack-budget': { maxMonthlyCost: 5 } },
    });
    expect(result.pack).toMatchObject({ name: 'stackfit', version: '0.1.0' });
    const budget = result.diagnostics.find((d) => d.policyName === 'stackfit-stack-budget');
    expect(budget?.text).toContain(`estimated monthly cost $${(0.016 * HOURS_PER_MONTH).toFixed(2)} exceeds maxMonthlyCost $5.00`);
  });
});
