import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const repoDir = path.resolve(__dirname, '../..');
export const packDir = path.join(repoDir, 'policies');
export const sharedData = path.resolve(repoDir, 'data');
export const exportsDir = path.join(sharedData, 'pulumi/stack-export');

let built = false;

/**
 * Builds the pack exactly as `npm run build` does (scripts/build-policy-pack.ts: the bundle in
 * policies/bin and the catalog in policies/catalog, which the pack's package.json points at).
 * Serialised with flock: test files run in parallel.
 */
export function ensurePackBuilt(): void {
  if (built) return;
  const tsx = path.join(repoDir, 'node_modules/tsx/dist/cli.mjs');
  execFileSync(
    'flock',
    ['/tmp/stackfit-policy-pack-build.lock', process.execPath, tsx, path.join(repoDir, 'scripts/build-policy-pack.ts')],
    {
      cwd: repoDir,
      stdio: 'pipe',
    },
  );
  if (!existsSync(path.join(packDir, 'bin/index.js'))) throw new Error('scripts/build-policy-pack.ts wrote no policies/bin/index.js');
  built = true;
}
