/** Shared pieces of the loopback cloud-metric fakes: servers, a self-signed cert, aggregation. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Series } from '../../../src/model';

export type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void | Promise<void>;

export interface RunningFake {
  url: string;
  stop(): Promise<void>;
}

export interface SelfSignedCert {
  key: string;
  cert: string;
}

/** A throwaway certificate for 127.0.0.1 / localhost, made with openssl. */
export function selfSignedCert(): SelfSignedCert {
  const dir = mkdtempSync(join(tmpdir(), 'stackfit-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts a loopback server (https when `tls` is given) that hands each request's full body to `handler`. */
export async function startServer(handler: Handler, tls?: SelfSignedCert): Promise<RunningFake> {
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      Promise.resolve(handler(req, Buffer.concat(chunks).toString('utf8'), res)).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake failed: ${String(err)}`);
      });
    });
  };
  const server: Server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, listener) : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * Aggregates a series into period buckets aligned to multiples of the period (as the cloud
 * metric APIs do), over [startMs, endMs). Empty buckets are absent: a gap stays a gap.
 */
export function aggregate(series: Series, startMs: number, endMs: number, periodSeconds: number, how: 'mean' | 'max' | 'min'): Series {
  const periodMs = periodSeconds * 1000;
  const out: Series = { t: [], v: [] };
  let bucket = NaN;
  let sum = 0;
  let max = -Infinity;
  let min = Infinity;
  let n = 0;
  const flush = (): void => {
    if (n === 0) return;
    out.t.push(bucket);
    out.v.push(how === 'mean' ? sum / n : how === 'max' ? max : min);
  };
  for (let i = 0; i < series.t.length; i++) {
    const t = series.t[i]!;
    if (t < startMs || t >= endMs) continue;
    const b = Math.floor(t / periodMs) * periodMs;
    if (b !== bucket) {
      flush();
      bucket = b;
      sum = 0;
      max = -Infinity;
      min = Infinity;
      n = 0;
    }
    sum += series.v[i]!;
    max = Math.max(max, series.v[i]!);
    min = Math.min(min, series.v[i]!);
    n++;
  }
  flush();
  return out;
}
