import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StackfitError } from './model';

/**
 * Containment of the paths stackfit writes or edits (issue 13): a `stackConfigDir: ../..`, a
 * stack file that is a symlink to somewhere else, a `--stack ../x` or a `usage.cacheDir` in a
 * stackfit.yaml (which a pull request can change) must not make stackfit write outside the
 * repository. Explicit output paths the user types (`--output`, `catalog refresh --out`) are not
 * contained: the user chose them.
 */

/** The git work tree holding `dir`, or `dir` itself outside git. */
export function repositoryRoot(dir: string): string {
  try {
    const top = execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (top) return top;
  } catch {
    // Not a git work tree: the directory is the root.
  }
  return path.resolve(dir);
}

/** `p` with symlinks resolved as far as the path exists (a file to be created: its directory's real path). */
export function realPathSoFar(p: string): string {
  const abs = path.resolve(p);
  let existing = abs;
  const rest: string[] = [];
  while (!fs.existsSync(existing)) {
    const parent = path.dirname(existing);
    if (parent === existing) break;
    rest.unshift(path.basename(existing));
    existing = parent;
  }
  try {
    return path.join(fs.realpathSync(existing), ...rest);
  } catch {
    return abs;
  }
}

/** Whether `target` (symlinks followed) lies inside `root` (or is it). */
export function isInside(target: string, root: string): boolean {
  const rel = path.relative(realPathSoFar(root), realPathSoFar(target));
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/**
 * Refuses to write or edit `target` when it (after symlinks) is outside `root`; `what` says what
 * it is and `why` where the path came from, so the user knows which setting to change.
 */
export function assertInsideRepository(target: string, root: string, what: string, why: string): void {
  if (isInside(target, root)) return;
  throw new StackfitError(
    `${what} ${realPathSoFar(target)} is outside the repository ${realPathSoFar(root)} (${why}): stackfit only writes and edits files inside the repository; refused`,
    target,
  );
}

/**
 * Pulumi stack names are letters, digits, `-`, `_` and `.` (the Pulumi CLI refuses others); a
 * name goes into file paths (`Pulumi.<stack>.yaml`) and branch names, so nothing else is taken.
 */
export function checkStackName(stack: string, where: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack) || stack === '.' || stack === '..') {
    throw new StackfitError(
      `invalid stack name ${JSON.stringify(stack)}: a Pulumi stack name has only letters, digits, "-", "_" and "." (no path separators)`,
      where,
    );
  }
  return stack;
}
