#!/usr/bin/env node
'use strict';
/**
 * Keeps `dist/` in step with `src/` in a source checkout, so that the CLI always runs compiled
 * output (fast start) and never stale code.
 *
 * `dist/.source-hash` records a SHA-256 of every file the build reads (src/, policies/, the two
 * tsconfigs). A content hash rather than mtimes: a `git checkout` or a copy that touches files
 * without changing them rebuilds nothing. When the hash differs, `tsc -p tsconfig.build.json`
 * runs (incrementally) under a lock, so parallel processes (the test suite spawns the CLI
 * many times) build once and the others wait for that build.
 *
 *   node bin/build.js            build now (`npm run build`, `prepare`)
 *   node bin/build.js --if-stale build only when src/ changed since the last build
 *
 * An installed package has no src/: nothing to check, dist/ is what ships.
 */
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const STAMP = '.source-hash';
const BUILD_INFO = '.tsbuildinfo';
const LOCK = '.build-lock';
/** A build on a loaded 2-core machine takes well under this; a lock older is left by a killed build. */
const LOCK_STALE_MS = 10 * 60 * 1000;

/** True in a source checkout (src/ and the build config present). */
function isCheckout(root) {
  return fs.existsSync(path.join(root, 'src', 'cli', 'main.ts')) && fs.existsSync(path.join(root, 'tsconfig.build.json'));
}

function listFiles(dir, rel, out) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (err.code === 'ENOENT') return;
    throw err;
  }
  for (const entry of entries) {
    if (entry.name === 'node_modules') continue;
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) listFiles(path.join(dir, entry.name), relPath, out);
    else if (entry.isFile()) out.push(relPath);
  }
}

/** Every file `tsc -p tsconfig.build.json` reads from the repository, sorted. */
function buildInputs(root) {
  const files = ['tsconfig.json', 'tsconfig.build.json'];
  for (const dir of ['src', 'policies']) listFiles(path.join(root, dir), dir, files);
  // policies/bin and policies/catalog are the pack build's output (scripts/build-policy-pack.ts), not
  // tsc's input: a pack build in progress (its temporary files) must not read as changed source.
  return files.filter((file) => !/^policies\/(bin|catalog)\//.test(file)).sort();
}

/** SHA-256 over the paths and contents of the build inputs. */
function sourceHash(root, files = buildInputs(root)) {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file);
    hash.update('\0');
    hash.update(fs.readFileSync(path.join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Paths, sizes and mtimes: when these match the stamp, the contents are not read again (start-up cost). */
function statSignature(root, files) {
  const hash = createHash('sha256');
  for (const file of files) {
    const st = fs.statSync(path.join(root, file));
    hash.update(`${file}\0${st.size}\0${st.mtimeMs}\0`);
  }
  return hash.digest('hex');
}

/** dist/.source-hash: `{ content, stat }` of the inputs of the last clean build. */
function readStamp(root) {
  try {
    const stamp = JSON.parse(fs.readFileSync(path.join(root, 'dist', STAMP), 'utf8'));
    return stamp && typeof stamp.content === 'string' ? stamp : undefined;
  } catch {
    return undefined;
  }
}

function writeStamp(root, content, stat) {
  const file = path.join(root, 'dist', STAMP);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify({ content, stat })}\n`);
  fs.renameSync(tmp, file);
}

function entryExists(root) {
  return fs.existsSync(path.join(root, 'dist', 'src', 'cli', 'main.js'));
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Takes dist/.build-lock (a directory: mkdir is atomic); waits while a live build holds it. */
function withLock(root, task) {
  const dist = path.join(root, 'dist');
  const lock = path.join(dist, LOCK);
  fs.mkdirSync(dist, { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let holder = NaN;
      let age = 0;
      try {
        holder = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
        age = Date.now() - fs.statSync(lock).mtimeMs;
      } catch {
        // The holder has just created or removed the lock: look again.
      }
      if ((Number.isInteger(holder) && holder > 0 && !processAlive(holder)) || age > LOCK_STALE_MS) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      sleep(200);
    }
  }
  try {
    return task();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Runs tsc (incremental: the build info lives in dist/, so deleting dist/ forces a full build).
 * Returns { ok, output }: tsc emits even with type errors, so dist/ is updated either way, but
 * the stamp is written only after a clean build.
 */
function runTsc(root, files) {
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  } catch {
    return { ok: false, missingTypescript: true, output: '' };
  }
  const statBefore = statSignature(root, files);
  const contentBefore = sourceHash(root, files);
  const buildInfo = path.join(root, 'dist', BUILD_INFO);
  // Without the entry point the build info may describe outputs that are gone: build in full.
  if (!entryExists(root)) fs.rmSync(buildInfo, { force: true });
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', buildInfo], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`.trim();
  const ok = result.status === 0;
  // Hash the inputs as they were built (a file saved during the build makes the next run rebuild).
  if (ok) writeStamp(root, contentBefore, statBefore);
  return { ok, output, status: result.status };
}

function firstLines(text, n) {
  const lines = text.split('\n');
  return lines.slice(0, n).join('\n') + (lines.length > n ? `\n… (${lines.length - n} more lines: npm run typecheck)` : '');
}

/**
 * Makes sure dist/ matches src/ (checkout only). `force` builds even when the hash matches.
 * Returns what happened: 'installed' | 'fresh' | 'built'; throws when there is nothing to run.
 * `log` receives one-line notices (the rebuild, a failed build) for stderr.
 */
function ensureBuilt(root, { force = false, log = () => {} } = {}) {
  if (!isCheckout(root)) return 'installed';
  const isFresh = () => {
    if (!entryExists(root)) return false;
    const stamp = readStamp(root);
    if (!stamp) return false;
    const files = buildInputs(root);
    const stat = statSignature(root, files);
    if (stamp.stat === stat) return true;
    // Touched but maybe unchanged (git checkout, copy): compare contents, remember the new times.
    if (stamp.content !== sourceHash(root, files)) return false;
    writeStamp(root, stamp.content, stat);
    return true;
  };
  if (!force && isFresh()) return 'fresh';
  return withLock(root, () => {
    // Another process may have built while this one waited for the lock.
    if (!force && isFresh()) return 'fresh';
    if (!force) log('stackfit: src/ changed since dist/ was built: rebuilding (tsc -p tsconfig.build.json) …');
    const result = runTsc(root, buildInputs(root));
    if (result.missingTypescript) {
      if (!force && entryExists(root)) {
        log(
          'stackfit: warning: src/ changed since dist/ was built and TypeScript is not installed (npm ci installs it): running the old build',
        );
        return 'stale';
      }
      throw new Error(`${force ? 'cannot build' : 'dist/ is missing and cannot be built'}: TypeScript is not installed (run npm ci)`);
    }
    if (!result.ok) {
      // `npm run build` (force) fails on type errors, as plain tsc did; the CLI runs what tsc emitted.
      if (force || !entryExists(root))
        throw new Error(`building dist/ failed (tsc exit ${result.status}):\n${force ? result.output : firstLines(result.output, 20)}`);
      log(`stackfit: warning: tsc reported errors (exit ${result.status}); running what it emitted:\n${firstLines(result.output, 10)}`);
      return 'built-with-errors';
    }
    return 'built';
  });
}

module.exports = { ensureBuilt, sourceHash, isCheckout, STAMP };

if (require.main === module) {
  const root = path.join(__dirname, '..');
  const ifStale = process.argv.includes('--if-stale');
  try {
    ensureBuilt(root, { force: !ifStale, log: (line) => process.stderr.write(`${line}\n`) });
  } catch (err) {
    process.stderr.write(`stackfit: ${err.message}\n`);
    process.exitCode = 1;
  }
}
