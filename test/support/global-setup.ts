import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { missingTools, onPath, TOOLS, type Tool } from './tools';

/**
 * Runs once before the test files (vitest globalSetup):
 * 1. dist/ up to date with src/: the CLI tests spawn bin/stackfit.js and the policy-pack tests
 *    run dist/policies; bin/build.js rebuilds only when src/ changed (and takes a lock);
 * 2. the external programs the tests need (tools.ts): installed with
 *    scripts/ci/install-test-tools.sh when missing and this user can (root, or sudo without a
 *    password, and apt-get); still missing, their tests are skipped with one line saying how to
 *    enable them, and under CI=true the run fails instead.
 */
const ROOT = path.resolve(__dirname, '../..');
const INSTALL = 'scripts/ci/install-test-tools.sh';

function canInstall(): boolean {
  if (!onPath('apt-get')) return false;
  if (process.getuid?.() === 0) return true;
  return onPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
}

export default function setup(project: TestProject): void {
  const { ensureBuilt } = createRequire(path.join(ROOT, 'package.json'))('./bin/build.js') as {
    ensureBuilt: (root: string, opts: { log: (line: string) => void }) => string;
  };
  // scripts/mutations.ts sets this for a test file that imports src/ and never runs dist/: a
  // rebuild per mutation costs minutes and would test nothing more.
  if (process.env.STACKFIT_TEST_SKIP_BUILD !== '1') ensureBuilt(ROOT, { log: (line) => process.stderr.write(`${line}\n`) });

  let missing = missingTools();
  let installError = '';
  if (missing.length > 0 && canInstall()) {
    process.stderr.write(`stackfit tests: installing ${missing.map((t) => TOOLS[t].join('/')).join(', ')} (${INSTALL}) …\n`);
    const result = spawnSync('sh', [path.join(ROOT, INSTALL)], { cwd: ROOT, encoding: 'utf8' });
    if (result.status !== 0)
      installError = ` (${INSTALL} failed: ${(result.stderr || String(result.error ?? '')).trim().split('\n').slice(-3).join(' / ')})`;
    missing = missingTools();
  }
  if (missing.length > 0) {
    const names = missing.map((t: Tool) => TOOLS[t].join(', ')).join(', ');
    const how = `install them with: sudo sh ${INSTALL}`;
    if (process.env.CI === 'true') {
      throw new Error(`CI=true and the tests need ${names}, which are not on PATH${installError}: ${how}`);
    }
    process.stderr.write(
      `stackfit tests: skipping the tests that need ${names} (not on PATH${installError || ', and no apt-get with root or sudo to install them here'}); ${how}\n`,
    );
  }
  project.provide('missingTools', missing);
}
