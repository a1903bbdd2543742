import { StackfitError } from '../../model';

/**
 * GET with bounded retries, for the public price APIs. Network errors, 5xx and 429 are retried
 * with exponential back-off (a 429's Retry-After is honoured, capped); after the last attempt,
 * or at once for another 4xx, one StackfitError names the URL.
 */

export interface RetryOptions {
  /** Attempts in all (default 5). */
  attempts?: number;
  /** First back-off; doubles per attempt (default 500 ms). */
  baseDelayMs?: number;
  /** Longest wait between attempts, Retry-After included (default 30 s). */
  maxDelayMs?: number;
  fetch?: typeof fetch;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The response of a successful GET (status 2xx); the body is not yet read. */
export async function getWithRetry(url: string, opts: RetryOptions = {}): Promise<Response> {
  const attempts = Math.max(1, opts.attempts ?? 5);
  const base = opts.baseDelayMs ?? 500;
  const cap = opts.maxDelayMs ?? 30_000;
  const doFetch = opts.fetch ?? fetch;
  let lastProblem = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let wait = Math.min(cap, base * 2 ** (attempt - 1));
    try {
      const response = await doFetch(url, { headers: { accept: 'application/json' } });
      if (response.ok) return response;
      await response.body?.cancel().catch(() => undefined);
      lastProblem = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      const retryable = response.status === 429 || response.status >= 500;
      if (!retryable) break;
      const hinted = retryAfterMs(response.headers.get('retry-after'));
      if (hinted !== undefined) wait = Math.min(cap, hinted);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      lastProblem = cause?.code ?? cause?.message ?? (err as Error).message;
    }
    if (attempt < attempts) await sleep(wait);
  }
  throw new StackfitError(`price API request failed: ${lastProblem}`, url);
}

/** GET and parse JSON; invalid JSON is a StackfitError naming the URL. */
export async function getJson(url: string, opts: RetryOptions = {}): Promise<unknown> {
  const response = await getWithRetry(url, opts);
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    throw new StackfitError(`price API response was cut off: ${(err as Error).message}`, url);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new StackfitError(`price API response is not JSON (${(err as Error).message})`, url);
  }
}
