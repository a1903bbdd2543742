import { StackfitError } from '../model';
import { checkJsonDepth } from './inventory';

export interface PulumiCloudExportRequest {
  org: string;
  project: string;
  stack: string;
  /** A Pulumi access token (PAT). Sent in the Authorization header only; never in messages. */
  token: string;
  baseUrl?: string;
  /** Give up after this many milliseconds (default 60 s). */
  timeoutMs?: number;
}

/**
 * Downloads a stack's state from Pulumi Cloud (`GET /api/stacks/{org}/{project}/{stack}/export`).
 * Returns the parsed body (the `pulumi stack export` shape) for `parseInventory`.
 */
export async function fetchPulumiCloudExport(req: PulumiCloudExportRequest): Promise<unknown> {
  const { org, project, stack, token } = req;
  const baseUrl = (req.baseUrl ?? 'https://api.pulumi.com').replace(/\/+$/, '');
  for (const [field, value] of Object.entries({ org, project, stack })) {
    if (!value) throw new StackfitError(`Pulumi Cloud export: ${field} is empty`);
  }
  const url = `${baseUrl}/api/stacks/${[org, project, stack].map(encodeURIComponent).join('/')}/export`;
  if (!token) throw new StackfitError('no Pulumi access token: set PULUMI_ACCESS_TOKEN', url);

  let response: Response;
  try {
    response = await fetch(url, {
      headers: { Authorization: `token ${token}`, Accept: 'application/vnd.pulumi+8', 'User-Agent': 'stackfit' },
      signal: AbortSignal.timeout(req.timeoutMs ?? 60_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = (err as Error).name === 'TimeoutError' ? 'timed out' : (cause?.code ?? cause?.message ?? (err as Error).message);
    throw new StackfitError(`cannot reach Pulumi Cloud: ${redact(why, token)}`, url);
  }

  if (!response.ok) {
    const detail = redact(await errorDetail(response), token);
    const suffix = detail ? `: ${detail}` : '';
    switch (true) {
      case response.status === 401 || response.status === 403:
        throw new StackfitError(
          `Pulumi Cloud refused the access token (HTTP ${response.status})${suffix}; check PULUMI_ACCESS_TOKEN and its access to ${org}`,
          url,
        );
      case response.status === 404:
        throw new StackfitError(`stack ${org}/${project}/${stack} not found (HTTP 404)${suffix}`, url);
      case response.status >= 500:
        throw new StackfitError(`Pulumi Cloud server error (HTTP ${response.status})${suffix}; try again later`, url);
      default:
        throw new StackfitError(`Pulumi Cloud answered HTTP ${response.status}${suffix}`, url);
    }
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StackfitError(`Pulumi Cloud returned a body that is not JSON (${text.length} bytes)`, url);
  }
  checkJsonDepth(text, url);
  return json;
}

/** The `message` of Pulumi's error body `{code, message}`, if any. */
async function errorDetail(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { message?: unknown };
    return typeof body.message === 'string' ? body.message.slice(0, 300) : '';
  } catch {
    return '';
  }
}

function redact(text: string, token: string): string {
  return token ? text.split(token).join('***') : text;
}
