import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StackfitError } from '../../src/model';
import { fetchPulumiCloudExport, parseInventory } from '../../src/stack';

const EXAMPLE = readFileSync(path.resolve(__dirname, '../../data/pulumi/stack-export/pulumi-docs-rest-api-export-example.json'), 'utf8');
const TOKEN = 'pul-0123456789abcdef0123456789abcdef01234567';

/** A loopback Pulumi Cloud: the export endpoint for org1/demo-aws-ts-webserver/dev-user1. */
let server: Server;
let baseUrl: string;
const seen: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.headers.authorization !== `token ${TOKEN}`)
      return send(401, { code: 401, message: 'Unauthorized: No credentials provided or are invalid.' });
    switch (req.url) {
      case '/api/stacks/org1/demo-aws-ts-webserver/dev-user1/export':
        return send(200, EXAMPLE);
      case '/api/stacks/org1/proj/flaky/export':
        return send(502, { code: 502, message: `upstream failed for token ${TOKEN}` });
      case '/api/stacks/org1/proj/garbage/export':
        return send(200, '<html>');
      default:
        return send(404, { code: 404, message: 'Not Found: stack not found' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function failure(promise: Promise<unknown>): Promise<StackfitError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StackfitError);
  expect((err as Error).message).not.toContain(TOKEN);
  return err as StackfitError;
}

describe('fetchPulumiCloudExport', () => {
  it('downloads the export with the token and the versioned Accept header', async () => {
    const body = await fetchPulumiCloudExport({ org: 'org1', project: 'demo-aws-ts-webserver', stack: 'dev-user1', token: TOKEN, baseUrl });
    expect(body).toEqual(JSON.parse(EXAMPLE));
    const req = seen.at(-1)!;
    expect(req.method).toBe('GET');
    expect(req.headers.accept).toBe('application/vnd.pulumi+8');
    expect(req.headers.authorization).toBe(`token ${TOKEN}`);
    const inventory = parseInventory(body, `${baseUrl}/api/stacks/org1/demo-aws-ts-webserver/dev-user1/export`);
    expect(inventory).toMatchObject({ project: 'demo-aws-ts-webserver', stack: 'dev-user1', workloads: [], skipped: [] });
  });

  it('escapes names in the path', async () => {
    const err = await failure(fetchPulumiCloudExport({ org: 'org1', project: 'a b', stack: 'x/y', token: TOKEN, baseUrl }));
    expect(seen.at(-1)!.url).toBe('/api/stacks/org1/a%20b/x%2Fy/export');
    expect(err.message).toContain('stack org1/a b/x/y not found (HTTP 404): Not Found: stack not found');
  });

  it('a rejected token: 401, without echoing the token', async () => {
    const err = await failure(
      fetchPulumiCloudExport({ org: 'org1', project: 'demo-aws-ts-webserver', stack: 'dev-user1', token: `${TOKEN}x`, baseUrl }),
    );
    expect(err.message).toContain('Pulumi Cloud refused the access token (HTTP 401)');
    expect(err.message).not.toContain(`${TOKEN}x`);
    expect(err.where).toBe(`${baseUrl}/api/stacks/org1/demo-aws-ts-webserver/dev-user1/export`);
  });

  it('a server error: 5xx, with the token redacted from the server message', async () => {
    const err = await failure(fetchPulumiCloudExport({ org: 'org1', project: 'proj', stack: 'flaky', token: TOKEN, baseUrl }));
    expect(err.message).toContain('Pulumi Cloud server error (HTTP 502): upstream failed for token ***; try again later');
  });

  it('a body that is not JSON', async () => {
    const err = await failure(fetchPulumiCloudExport({ org: 'org1', project: 'proj', stack: 'garbage', token: TOKEN, baseUrl }));
    expect(err.message).toContain('not JSON');
  });

  it('no token, and an unreachable server', async () => {
    expect((await failure(fetchPulumiCloudExport({ org: 'o', project: 'p', stack: 's', token: '', baseUrl }))).message).toContain(
      'PULUMI_ACCESS_TOKEN',
    );
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await failure(
      fetchPulumiCloudExport({ org: 'o', project: 'p', stack: 's', token: TOKEN, baseUrl: `http://127.0.0.1:${port}` }),
    );
    expect(err.message).toContain('cannot reach Pulumi Cloud: ECONNREFUSED');
  });
});
