/**
 * Shared pieces of the hostile-input tests: the real CLI run in-process (a spawned `bin/stackfit.js`
 * costs seconds of tsx start-up each; `main()` is what it calls), temp dirs, a real stack export.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { main } from '../../src/cli/main';
import { StackfitError } from '../../src/model';

export const REPO_ROOT = path.resolve(__dirname, '../..');
/** A real `pulumi stack export` (one t2.micro EC2 instance, logical name `my-ec2-instance`, stack `test`). */
export const EC2_EXPORT = path.join(REPO_ROOT, 'data/pulumi/stack-export/pulumi-aws-recorded-ec2-instance-5.42.0.stack.json');
export const EC2_NAME = 'my-ec2-instance';

export function tempDir(prefix = 'stackfit-hostile-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes a file `name` under `dir` (its folders made) and returns its path. */
export function writeIn(dir: string, name: string, text: string | Buffer): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

/** The message of the StackfitError `fn` throws; anything else (or nothing) fails the test. */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StackfitError);
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `stackfit <args>` in this process with stdout/stderr captured, `env` merged over the
 * environment and `cwd` as the working directory; everything is restored afterwards.
 * Uncaught (non-StackfitError) errors come back as code -1 with the stack in stderr, so a test
 * can assert there was none.
 */
export async function stackfit(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const savedEnv = { ...process.env };
  const savedCwd = process.cwd();
  const savedExit = process.exitCode;
  process.stdout.write = (chunk: string | Uint8Array) => (out.push(String(chunk)), true);
  process.stderr.write = (chunk: string | Uint8Array) => (err.push(String(chunk)), true);
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  if (opts.cwd) process.chdir(opts.cwd);
  process.exitCode = undefined;
  let code: number;
  try {
    code = await main(['node', 'stackfit', ...args]);
  } catch (e) {
    err.push(`UNCAUGHT ${(e as Error).stack ?? String(e)}`);
    code = -1;
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
    process.chdir(savedCwd);
    process.exitCode = savedExit;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** The `stackfit:` error lines (not warnings, not progress) of a run's stderr. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('stackfit:') && !l.startsWith('stackfit: warning:'));
}

/** The canary credential of the leak tests (secrets.test.ts, secrets-pack.test.ts). */
export const CANARY = 'canary5f3a9c1e7b2d4a68';
/** Every form the canary could leak in. */
export const LEAKS = [
  CANARY,
  encodeURIComponent(`:${CANARY}`),
  Buffer.from(`user:${CANARY}`).toString('base64'),
  Buffer.from(`x-access-token:${CANARY}`).toString('base64'),
];

export const CREDENTIAL_ENV = {
  GITHUB_TOKEN: CANARY,
  GH_TOKEN: CANARY,
  PULUMI_ACCESS_TOKEN: CANARY,
  PULUMI_CONFIG_PASSPHRASE: CANARY,
  STACKFIT_PROMETHEUS_TOKEN: CANARY,
  AWS_ACCESS_KEY_ID: `AKIA${CANARY}`,
  AWS_SECRET_ACCESS_KEY: CANARY,
  AWS_SESSION_TOKEN: CANARY,
  AZURE_CLIENT_SECRET: CANARY,
  ARM_CLIENT_SECRET: CANARY,
  AZURE_STORAGE_KEY: CANARY,
  GOOGLE_OAUTH_ACCESS_TOKEN: CANARY,
  GOOGLE_CREDENTIALS: `{"type":"service_account","private_key":"${CANARY}"}`,
};
