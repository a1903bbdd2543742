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
  /** Only the tests whose name matches (vitest -t): the file's other tests (and their setup) are not run. */
  only?: string;
  /**
   * The test file imports src/ and never runs dist/ (the CLI, the built pack): dist/ is not rebuilt
   * for the mutation (a rebuild costs minutes on a loaded machine and would test nothing more).
   */
  sourceOnly?: true;
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
    file: 'src/gitops/pr-decision.ts',
    // Dropping `state === 'closed'` from isAutoclosed is an equivalent mutant (every caller looks
    // at closed PRs only): the guard that matters is that an autoclosed PR is no person's refusal.
    find: "pr.state === 'closed' && !isAutoclosed(pr) && fingerprintOf(pr) === f.fingerprint",
    replace: "pr.state === 'closed' && fingerprintOf(pr) === f.fingerprint",
    test: 'test/gitops-pr/autoclose-rebase.test.ts',
  },
  {
    id: 'pr-human-force-push',
    file: 'src/gitops/pr-decision.ts',
    find: 'if (!isStackfitCommit(head, f.identity)) return',
    replace: 'if (false) return',
    test: 'test/gitops-pr/decision.test.ts',
  },
  {
    id: 'pr-stale-human-closed',
    file: 'src/gitops/pr-decision.ts',
    find: "return isStackfitCommit(head, identity) ? 'autoclose'",
    replace: "return true ? 'autoclose'",
    test: 'test/gitops-pr/decision.test.ts',
  },
  {
    id: 'pr-inputs-failed-closes',
    file: 'src/gitops/pr-decision.ts',
    find: 'if (flags.inputsFailed) return [];',
    replace: '',
    test: 'test/gitops-pr/decision.test.ts',
  },
  {
    id: 'pr-regenerate-lease',
    file: 'src/gitops/pr-executor.ts',
    find: 'await pushCommit(run, p, d.pull.headSha);',
    replace: 'await pushCommit(run, p, null);',
    test: 'test/gitops-pr/local-git.test.ts',
  },
  {
    id: 'pr-push-lease',
    file: 'src/gitops/git-local.ts',
    find: "`--force-with-lease=refs/heads/${branch}:${expected ?? ''}`",
    replace: "'--force'",
    test: 'test/gitops-pr/backend-contract.test.ts',
  },
  {
    id: 'budget-percent',
    file: 'src/policy/budget.ts',
    find: 'increaseFraction * 100 > maxIncreasePercent',
    replace: 'increaseFraction > maxIncreasePercent',
    test: 'test/policy/logic.test.ts',
    only: 'budget|increase',
    sourceOnly: true,
  },
  {
    id: 'placement-region',
    file: 'src/policy/checks.ts',
    find: '    else if (!regions.some((r) => r.toLowerCase() === w.region!.toLowerCase()))',
    replace: '    else if (false)',
    test: 'test/policy/logic.test.ts',
    only: 'cloud, region and architecture',
    sourceOnly: true,
  },
  {
    id: 'burstable-rds',
    file: 'src/clouds/aws/catalog.ts',
    find: 'return /^(db\\.)?t\\d/.test(family);',
    replace: 'return /^t\\d/.test(family);',
    test: 'test/policy/logic.test.ts',
    only: 'burstable',
    sourceOnly: true,
  },
  {
    id: 'spot-price',
    file: 'src/catalog/views.ts',
    find: '    monthlyUsd: o.spotMonthlyUsd,\n',
    replace: '    monthlyUsd: o.monthlyUsd,\n',
    test: 'test/catalog-probe/probe.test.ts',
    only: 'interruptible',
    sourceOnly: true,
  },
  {
    id: 'survive',
    file: 'src/optimize/choices.ts',
    find: 'const worst = demandPerInstance(demand, today, n, sizing.survive);',
    replace: 'const worst = demandPerInstance(demand, today, n, 0);',
    test: 'test/optimize/decisions.test.ts',
    only: 'surviv',
    sourceOnly: true,
  },
  {
    id: 'usage-failure-stop',
    file: 'src/pipeline.ts',
    find: '  if (usage.failures.length > 0) throw usageFailureError(usage.failures);\n',
    replace: '',
    test: 'test/hostile/pr-usage-failure.test.ts',
    only: 'cloud source whose reads fail',
    sourceOnly: true,
  },
  {
    id: 'csv-non-numeric',
    file: 'src/usage/file/parse.ts',
    find: "    if (typeof v === 'string') this.fail(v);",
    replace: "    if (typeof v === 'string') return NaN;",
    test: 'test/hostile/pr-usage-failure.test.ts',
    only: 'broken usage file',
    sourceOnly: true,
  },
  {
    id: 'redact-env-names',
    file: 'src/redact.ts',
    find: 'if (CREDENTIAL_ENV.has(name) || CREDENTIAL_NAME.test(name))',
    replace: 'if (CREDENTIAL_ENV.has(name))',
    test: 'test/hostile/secrets.test.ts',
    only: 'redact\\(\\) removes',
    sourceOnly: true,
  },
  {
    id: 'edits-alias',
    file: 'src/gitops/updaters/stack-config.ts',
    find: '  }\n  if (isAlias(node))\n    return {',
    replace: '  }\n  if (false)\n    return {',
    test: 'test/gitops-edits/stack-config.test.ts',
    only: 'YAML alias',
    sourceOnly: true,
  },
  {
    id: 'edits-restringify',
    file: 'src/gitops/updaters/stack-config.ts',
    find: '  verifyOnlyEditedValuesChanged(parsed, output, applied, file, options);\n  return output;',
    replace:
      '  verifyOnlyEditedValuesChanged(parsed, output, applied, file, options);\n  return parseStackConfig(output, file).doc.toString();',
    test: 'test/gitops-edits/stack-config.test.ts',
    only: 'changes exactly its own line',
    sourceOnly: true,
  },
  {
    id: 'unmatched-config',
    file: 'src/config/rules.ts',
    find: '    if (m.stack !== undefined && stack !== undefined && m.stack !== stack) return;\n',
    replace: '',
    test: 'test/hostile/oddities.test.ts',
    only: 'warn',
    sourceOnly: true,
  },
  {
    id: 'pack-stale-bin',
    file: 'scripts/build-policy-pack.ts',
    find: "if (!written.has(name) && !name.endsWith('.tmp'))",
    replace: 'if (false)',
    test: 'test/policy/build.test.ts',
    sourceOnly: true,
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
    id: 'hostile-capacity-unpriced',
    file: 'src/usage/file/index.ts',
    find: '  const capacity = opts.capacityOf?.(w);',
    replace: '  const capacity = undefined as { vcpu: number; memoryGiB: number } | undefined;',
    test: 'test/hostile/usage.test.ts',
    sourceOnly: true,
  },
  {
    id: 'hostile-gap-only-rows',
    file: 'src/usage/file/index.ts',
    find: '  for (const resource of raw.rowsPerResource.keys()) index.set(lookupKey(resource), resource);\n',
    replace: '',
    test: 'test/hostile/usage.test.ts',
    sourceOnly: true,
  },
  {
    id: 'hostile-cross-level-hint',
    file: 'src/config/strict.ts',
    find: '  if (found.every((u) => u.suggestion !== undefined)) return found;',
    replace: '  return found;',
    test: 'test/hostile/config.test.ts',
    sourceOnly: true,
  },
  {
    id: 'hostile-yaml-depth',
    file: 'src/config/yaml-safe.ts',
    find: '  if (/maximum call stack/i.test(message)) return tooDeep(where, pos);\n',
    replace: '',
    test: 'test/hostile/errors-place.test.ts',
    sourceOnly: true,
  },
  {
    id: 'hostile-rule-count-cap',
    file: 'src/config/schema.ts',
    find: 'export const MAX_INSTANCE_COUNT = 1000;',
    replace: 'export const MAX_INSTANCE_COUNT = 1e12;',
    test: 'test/hostile/config.test.ts',
    sourceOnly: true,
  },
  {
    id: 'hostile-pool-node-cap',
    file: 'src/pools/size.ts',
    find: '  if (peak > MAX_POOL_NODES)',
    replace: '  if (peak < 0)',
    test: 'test/hostile/pools.test.ts',
    sourceOnly: true,
  },
  {
    id: 'hostile-pool-usage-duplicate-key',
    file: 'src/usage/file/pools.ts',
    find: '  if (dup)\n',
    replace: '  if (dup && false)\n',
    test: 'test/hostile/pools.test.ts',
    sourceOnly: true,
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
    const args = [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', m.test, ...(m.only ? ['-t', m.only] : [])];
    const run = spawnSync(process.execPath, args, {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CI: '', ...(m.sourceOnly && { STACKFIT_TEST_SKIP_BUILD: '1' }) },
    });
    // eslint-disable-next-line no-control-regex -- strips vitest's ANSI colours
    const plain = run.stdout.replace(/\x1b\[[0-9;]*m/g, '');
    const summary = /Tests\s+.*$/m.exec(plain)?.[0] ?? `exit ${run.status}`;
    // Caught only when a test (or the file's setup) failed: a run that matched no test exits too.
    const failed = /Test Files\s+\d+ failed/.test(plain);
    return { caught: run.status !== 0 && failed, detail: summary.trim() };
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
