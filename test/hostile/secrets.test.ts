/**
 * A canary credential in every credential variable and URL never reaches stdout, stderr, a report
 * file, the job summary or anything sent to GitHub, across commands and their error paths, even
 * when the server (or a proxy) echoes the Authorization header and URL back in its error body.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redact } from '../../src/redact';
import { CANARY, CREDENTIAL_ENV, EC2_EXPORT, EC2_NAME, LEAKS, REPO_ROOT, stackfit, tempDir } from './helpers';

/** A server that answers every request with an error quoting the request's URL and headers, as a careless proxy does. */
let echo: http.Server;
let port = 0;
const dir = tempDir();
beforeAll(async () => {
  echo = http.createServer((req, res) => {
    const body = JSON.stringify({
      message: `denied ${req.method} ${req.url} authorization=${req.headers.authorization ?? ''} (token ${CANARY})`,
      status: 'error',
      error: `Bearer ${CANARY}`,
    });
    res.writeHead(req.url?.includes('/api/v1/') ? 400 : 401, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  port = (echo.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => echo.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

function expectNoLeak(label: string, ...texts: string[]): void {
  for (const text of texts)
    for (const leak of LEAKS) expect(text.includes(leak), `${label}: leaked ${leak} in ${text.slice(0, 2000)}`).toBe(false);
}

/** Every file under `dir` (reports, summaries), concatenated. */
function filesIn(root: string): string {
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

describe('the canary credential never leaks', () => {
  it('redact() removes env values, URL userinfo, credential query parameters and auth schemes', () => {
    const env = { MY_SERVICE_TOKEN: CANARY };
    expect(redact(`x ${CANARY} y`, env)).toBe('x *** y');
    expect(redact(`https://bot:${CANARY}@example.com/a?b=1&access_token=${CANARY}2`, {})).toBe(
      'https://***@example.com/a?b=1&access_token=***',
    );
    expect(redact(`Authorization: Bearer ${CANARY}x`, {})).toBe('Authorization: Bearer ***');
    expect(redact('token rotation is due; a Basic plan', {})).toBe('token rotation is due; a Basic plan');
    // The same secret percent-encoded, as a URL in an error message quotes it.
    const special = `p@ss/${CANARY}+=1`;
    expect(redact(`GET http://host/a/${encodeURIComponent(special)}/b failed`, { DB_PASSWORD: special })).toBe(
      'GET http://host/a/***/b failed',
    );
  });

  const PREVIEW = path.join(REPO_ROOT, 'data/pulumi/preview-json/stratify-sample-preview-update.json');
  // [label, argv, extra env, whether the run must fail]
  it.each<[string, () => string[], Record<string, string>, boolean]>([
    [
      'recommend from Pulumi Cloud, credentials in --pulumi-cloud-url',
      () => [
        'recommend',
        '--pulumi-cloud',
        'acme/shop/prod',
        '--pulumi-cloud-url',
        `http://user:${CANARY}@127.0.0.1:${port}/?token=${CANARY}`,
      ],
      {},
      true,
    ],
    [
      'recommend with Prometheus echoing the bearer token',
      () => [
        'recommend',
        '--state',
        EC2_EXPORT,
        '--usage',
        `prometheus://127.0.0.1:${port}`,
        '--now',
        '2026-10-02T00:00:00Z',
        '--format',
        'json',
        '--output',
        path.join(dir, 'report.json'),
      ],
      {},
      false,
    ],
    [
      'recommend with credentials in the Prometheus URL',
      () => [
        'recommend',
        '--state',
        EC2_EXPORT,
        '--usage',
        `prometheus://admin:${CANARY}@127.0.0.1:${port}`,
        '--now',
        '2026-10-02T00:00:00Z',
      ],
      {},
      true,
    ],
    [
      'diff --comment against a GitHub that echoes the token',
      () => ['diff', '--preview', PREVIEW, '--comment', '--pr', '7', '--format', 'markdown', '--output', path.join(dir, 'diff.md')],
      {},
      true,
    ],
    [
      'diff --comment with credentials in GITHUB_API_URL',
      () => ['diff', '--preview', PREVIEW, '--comment', '--pr', '7'],
      { GITHUB_API_URL: `http://x-access-token:${CANARY}@127.0.0.1:${port}` },
      true,
    ],
    [
      'pr against a GitHub that echoes the token',
      () => [
        'pr',
        '--stack',
        'prod',
        '--state',
        EC2_EXPORT,
        '--usage',
        path.join(dir, 'usage.csv'),
        '--project-dir',
        path.join(dir, 'project'),
        '--now',
        '2026-10-02T00:00:00Z',
      ],
      {},
      true,
    ],
    [
      'pr with credentials in GITHUB_API_URL',
      () => [
        'pr',
        '--stack',
        'prod',
        '--state',
        EC2_EXPORT,
        '--usage',
        path.join(dir, 'usage.csv'),
        '--project-dir',
        path.join(dir, 'project'),
        '--now',
        '2026-10-02T00:00:00Z',
      ],
      { GITHUB_API_URL: `https://${CANARY}@127.0.0.1:${port}` },
      true,
    ],
    ['pr --action (job summary and outputs)', () => ['pr', '--action'], {}, true],
    // `check` with the pack running (a child process with this environment): secrets-pack.test.ts.
    ['check on a missing state (error path)', () => ['check', '--state', path.join(dir, 'missing.json')], {}, true],
    [
      'recommend on a missing state (error path)',
      () => ['recommend', '--state', path.join(dir, 'missing.json'), '--usage', path.join(dir, 'usage.csv')],
      {},
      true,
    ],
    ['diff of a preview', () => ['diff', '--preview', PREVIEW, '--format', 'json'], {}, false],
    [
      'catalog refresh against a price API that echoes credentials in the URL',
      () => [
        'catalog',
        'refresh',
        '--cloud',
        'aws',
        '--region',
        'us-west-2',
        '--endpoint',
        `http://user:${CANARY}@127.0.0.1:${port}/?token=${CANARY}`,
        '--out',
        path.join(dir, 'overlay'),
      ],
      {},
      true,
    ],
    ['backtest on a missing directory (error path)', () => ['backtest', path.join(dir, 'no-traces')], {}, true],
  ])('%s', async (label, args, extraEnv, fails) => {
    fs.mkdirSync(path.join(dir, 'project', 'stacks'), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, 'Pulumi.yaml'), path.join(dir, 'project', 'Pulumi.yaml'));
    fs.copyFileSync(path.join(REPO_ROOT, 'stacks/Pulumi.prod.yaml'), path.join(dir, 'project', 'stacks', 'Pulumi.prod.yaml'));
    fs.writeFileSync(path.join(dir, 'usage.csv'), `timestamp,resource,metric,value\n2026-10-01T00:00:00Z,${EC2_NAME},cpu_cores,0.2\n`);
    const env = {
      ...CREDENTIAL_ENV,
      GITHUB_API_URL: `http://127.0.0.1:${port}`,
      GITHUB_REPOSITORY: 'acme/infra',
      GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'),
      GITHUB_OUTPUT: path.join(dir, 'outputs.txt'),
      INPUT_STACK: 'prod',
      INPUT_STATE: EC2_EXPORT,
      INPUT_USAGE: path.join(dir, 'usage.csv'),
      INPUT_WORKING_DIRECTORY: path.join(dir, 'project'),
      INPUT_NOW: '2026-10-02T00:00:00Z',
      STACKFIT_CACHE_DIR: path.join(dir, 'cache'),
      ...extraEnv,
    };
    const run = await stackfit(args(), { env, cwd: dir });
    expect(run.stderr, label).not.toContain('UNCAUGHT');
    if (fails) {
      expect(run.code, label).toBe(1);
      expect(run.stderr, label).toMatch(/stackfit: .+/);
    }
    expectNoLeak(label, run.stdout, run.stderr, filesIn(dir));
  });
});
