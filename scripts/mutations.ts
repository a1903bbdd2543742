/**
 * Mutation check: breaks the code on purpose, one mutation at a time, runs the test file that
 * should catch it, and restores the file. A mutation the test run survives is a behaviour the
 * suite does not pin. The list is the table in docs/DEVELOPING.md ("Mutations").
 *
 *   tsx scripts/mutations.ts               every mutation (slow: one vitest run each)
 *   tsx scripts/mutations.ts money retry   only those whose id starts with a given word
 *
 * Not part of `npm test`. Never commit while it runs: the mutated file is in the work tree until
 * its test run ends (it is restored on exit, Ctrl-C included).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Mutation {
  id: string;
  file: string;
  find: string;
  replace: string;
  test: string;
  /** The mutated file is bundled into the policy pack: rebuild it (scripts/build-policy-pack.ts) before the test and after restoring. */
  rebuildPack?: true;
}

export const MUTATIONS: readonly Mutation[] = [
  {
    id: 'exit-code',
    file: 'src/cli/check.ts',
    find: 'EXIT_MANDATORY_VIOLATION = 2;',
    replace: 'EXIT_MANDATORY_VIOLATION = 1;',
    test: 'test/policy/check.test.ts',
  },
  {
    id: 'stale-pack',
    file: 'policies/index.ts',
    find: 'new PolicyPack(PACK_NAME',
    replace: 'new PolicyPack((PACK_NAME',
    test: 'test/policy/check.test.ts',
  },
  {
    id: 'token-check',
    file: 'src/gitops/github/client.ts',
    find: '  if (!token) {',
    replace: '  if (token === undefined) {',
    test: 'test/cli/diff.test.ts',
  },
  {
    id: 'cache-key',
    file: 'src/usage/cache.ts',
    find: '    size: w.size,\n',
    replace: '',
    test: 'test/usage-sources/cache-progress.test.ts',
  },
  {
    id: 'retry-after',
    file: 'src/retry.ts',
    find: 'Math.min(policy.maxDelayMs, hintMs ?? backoff)',
    replace: 'Math.min(policy.maxDelayMs, backoff)',
    test: 'test/retry/retry.test.ts',
  },
  {
    id: 'retry-cap',
    file: 'src/retry.ts',
    find: 'Math.min(policy.maxDelayMs, hintMs ?? backoff)',
    replace: 'hintMs ?? backoff',
    test: 'test/retry/retry.test.ts',
  },
  {
    id: 'retry-statuses',
    file: 'src/retry.ts',
    find: '[408, 429, 500, 502, 503, 504]',
    replace: '[408, 429, 500, 502, 504]',
    test: 'test/retry/retry.test.ts',
  },
  {
    id: 'retry-final',
    file: 'src/retry.ts',
    find: 'if (!RETRYABLE_STATUSES.has(response.status) || attempt >= attempts) return response;',
    replace: 'if (response.ok || attempt >= attempts) return response;',
    test: 'test/retry/retry.test.ts',
  },
  {
    id: 'money-negative-zero',
    file: 'src/money.ts',
    find: 'value < 0 && !isZero(text)',
    replace: 'value < 0',
    test: 'test/report/money-markdown.test.ts',
  },
  {
    id: 'money-thousands',
    file: 'src/money.ts',
    find: 'maximumFractionDigits: digits }',
    replace: 'maximumFractionDigits: digits, useGrouping: false }',
    test: 'test/report/money-markdown.test.ts',
  },
  {
    id: 'escape-pipe',
    file: 'src/markdown.ts',
    find: ".replace(/\\|/g, '\\\\|')",
    replace: '',
    test: 'test/report/money-markdown.test.ts',
  },
  {
    id: 'escape-newline',
    file: 'src/markdown.ts',
    find: "text.replace(/\\r\\n?|[\\n\\u2028\\u2029]/g, ' ')",
    replace: 'text',
    test: 'test/report/money-markdown.test.ts',
  },
  {
    id: 'escape-backtick',
    file: 'src/markdown.ts',
    find: 'text.replace(/`/g, "\'")',
    replace: 'text',
    test: 'test/report/money-markdown.test.ts',
  },
  {
    id: 'seasonality',
    file: 'src/forecast/index.ts',
    find: 'const slot = slots > 1 ? (hour + slotOffset) % slots : 0;',
    replace: 'const slot = 0;',
    test: 'test/forecast/forecast.test.ts',
  },
  {
    id: 'memory-floor',
    file: 'src/catalog/candidates.ts',
    find: 'o.memoryGiB >= minMemory',
    replace: 'o.memoryGiB >= 0',
    test: 'test/optimize/plan.test.ts',
  },
  {
    id: 'autoclose-guard',
    file: 'src/gitops/run.ts',
    find: "return pr.state === 'closed' && pr.body.includes(AUTOCLOSED_MARKER);",
    replace: 'return pr.body.includes(AUTOCLOSED_MARKER);',
    test: 'test/gitops-pr/autoclose-rebase.test.ts',
  },
  // Issue 13 (hostile input): every redaction path, and the refusals, each with the test that pins it.
  {
    id: 'hostile-preview-secret',
    file: 'src/stack/values.ts',
    find: 'if (value === PREVIEW_SECRET) return true;',
    replace: 'if (value === PREVIEW_SECRET) return false;',
    test: 'test/hostile/secrets-pack.test.ts',
    rebuildPack: true,
  },
  {
    id: 'hostile-pack-secret-marking',
    file: 'policies/index.ts',
    find: 'keepSecretsMarked();\n',
    replace: '',
    test: 'test/hostile/secrets-pack.test.ts',
    rebuildPack: true,
  },
  {
    id: 'hostile-redact-env-pattern',
    file: 'src/redact.ts',
    find: 'if (CREDENTIAL_ENV.has(name) || CREDENTIAL_NAME.test(name)) out.push(value);',
    replace: 'if (CREDENTIAL_ENV.has(name)) out.push(value);',
    test: 'test/hostile/secrets.test.ts',
  },
  {
    id: 'hostile-redact-userinfo',
    file: 'src/redact.ts',
    find: '.replace(URL_USERINFO, `$1${REDACTED}@`)',
    replace: '',
    test: 'test/hostile/secrets.test.ts',
  },
  {
    id: 'hostile-redact-query',
    file: 'src/redact.ts',
    find: '.replace(SECRET_QUERY, `$1${REDACTED}`)',
    replace: '',
    test: 'test/hostile/secrets.test.ts',
  },
  {
    id: 'hostile-redact-bearer',
    file: 'src/redact.ts',
    find: '.replace(AUTH_SCHEME, `$1$2${REDACTED}`)',
    replace: '',
    test: 'test/hostile/secrets.test.ts',
  },
  {
    id: 'hostile-redact-percent-encoded',
    file: 'src/redact.ts',
    find: 'if (encoded !== secret && out.includes(encoded))',
    replace: 'if (encoded === secret && out.includes(encoded))',
    test: 'test/hostile/secrets.test.ts',
  },
  {
    id: 'hostile-workflow-command',
    file: 'src/redact.ts',
    find: "return text.replace(/^([ \\t]*)::/gm, '$1\\\\::');",
    replace: 'return text;',
    test: 'test/hostile/output-injection.test.ts',
  },
  {
    id: 'hostile-control-chars',
    file: 'src/redact.ts',
    find: "if (!opts.terminal) return text.replace(/\\r\\n/g, '\\n').replace(CONTROL, visible);",
    replace: 'if (!opts.terminal) return text;',
    test: 'test/hostile/output-injection.test.ts',
  },
  {
    id: 'hostile-duplicate-urn',
    file: 'src/stack/inventory.ts',
    find: '    if (first !== undefined) {',
    replace: '    if (first !== undefined && false) {',
    test: 'test/hostile/errors-place.test.ts',
  },
  {
    id: 'hostile-json-depth',
    file: 'src/stack/inventory.ts',
    find: '  if (deep === -1) return;',
    replace: '  return;',
    test: 'test/hostile/errors-place.test.ts',
  },
  {
    id: 'hostile-json-duplicate-key',
    file: 'src/stack/inventory.ts',
    find: '    checkJsonDuplicateKeys(text, source);\n',
    replace: '',
    test: 'test/hostile/json-duplicate-keys.test.ts',
  },
  {
    id: 'hostile-pr-without-usage',
    file: 'src/cli/pr.ts',
    find: '  if (inventory.workloads.some((w) => !missing.has(w.urn))) return;',
    replace: '  return;',
    test: 'test/hostile/pr-usage-failure.test.ts',
  },
  {
    id: 'hostile-output-std-streams',
    file: 'src/cli/output.ts',
    find: "const STDOUT_PATHS = new Set(['/dev/stdout', '/dev/fd/1', '/proc/self/fd/1']);",
    replace: 'const STDOUT_PATHS = new Set<string>([]);',
    test: 'test/hostile/output.test.ts',
  },
  {
    id: 'hostile-policy-config-proto',
    file: 'src/policy-harness/config.ts',
    find: "Object.prototype.hasOwnProperty.call(json, '__proto__')",
    replace: 'false',
    test: 'test/hostile/policy-config.test.ts',
  },
  {
    id: 'hostile-path-containment',
    file: 'src/paths.ts',
    find: '  if (isInside(target, root)) return;',
    replace: '  return;',
    test: 'test/hostile/paths.test.ts',
  },
];

const root = path.resolve(__dirname, '..');

/** Applies one mutation, runs its test file, restores the file; true when the run failed (caught). */
export function runMutation(m: Mutation): { caught: boolean; detail: string } {
  const file = path.join(root, m.file);
  const original = readFileSync(file, 'utf8');
  const at = original.indexOf(m.find);
  if (at < 0 || original.indexOf(m.find, at + 1) >= 0)
    return { caught: false, detail: `the text to change is not in ${m.file} exactly once: update the mutation` };
  const restore = () => writeFileSync(file, original);
  const onInterrupt = () => {
    restore();
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    writeFileSync(file, original.slice(0, at) + m.replace + original.slice(at + m.find.length));
    if (m.rebuildPack) buildPack();
    const run = spawnSync(process.execPath, [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', m.test], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CI: '' },
    });
    // eslint-disable-next-line no-control-regex -- strips vitest's ANSI colours
    const summary = /Tests\s+.*$/m.exec(run.stdout.replace(/\x1b\[[0-9;]*m/g, ''))?.[0] ?? `exit ${run.status}`;
    return { caught: run.status !== 0, detail: summary.trim() };
  } finally {
    restore();
    if (m.rebuildPack) buildPack();
    process.removeListener('SIGINT', onInterrupt);
  }
}

/** The policy pack bundle (policies/bin), as `npm run build` makes it. */
function buildPack(): void {
  const run = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/tsx/dist/cli.mjs'), path.join(root, 'scripts/build-policy-pack.ts')],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  if (run.status !== 0) throw new Error(`scripts/build-policy-pack.ts failed: ${run.stderr.slice(-2000)}`);
}

function main(filters: string[]): number {
  const chosen = MUTATIONS.filter((m) => filters.length === 0 || filters.some((f) => m.id.startsWith(f)));
  let survived = 0;
  for (const m of chosen) {
    const { caught, detail } = runMutation(m);
    if (!caught) survived++;
    console.log(`${caught ? 'caught  ' : 'SURVIVED'} ${m.id.padEnd(20)} ${m.file} → ${m.test}: ${detail}`);
  }
  console.log(`${chosen.length - survived} of ${chosen.length} mutations caught`);
  return survived ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
