import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const repoDir = path.resolve(__dirname, '../..');
export const packDir = path.join(repoDir, 'policies');
export const sharedData = path.resolve(repoDir, 'data');
export const exportsDir = path.join(sharedData, 'pulumi/stack-export');

let built = false;

/**
 * Compiles the pack's import graph into dist/ exactly as `npm run build` lays it out (the pack
 * dir's package.json points its main there). Serialised with flock: test files run in parallel.
 */
export function ensurePackBuilt(): void {
  if (built) return;
  const tsc = path.join(repoDir, 'node_modules/typescript/bin/tsc');
  try {
    execFileSync('flock', ['/tmp/stackfit-policy-pack-build.lock', process.execPath, tsc, '-p', path.join(__dirname, 'tsconfig.pack.json')], {
      cwd: repoDir,
      stdio: 'pipe',
    });
  } catch (err) {
    // Type errors elsewhere in the tree still emit JavaScript; only a missing output is fatal.
    if (!existsSync(path.join(repoDir, 'dist/policies/index.js'))) throw err;
  }
  built = true;
}
