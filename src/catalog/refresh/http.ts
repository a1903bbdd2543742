import { StackfitError } from '../../model';
import { DEFAULT_MAX_DELAY_MS, fetchWithRetry } from '../../retry';

/**
 * GET with bounded retries, for the public price APIs, under stackfit's one retry policy
 * (`src/retry.ts`: network errors, 408/429/500/502/503/504, Retry-After honoured, capped);
 * after the last attempt, or at once for another status, one StackfitError names the URL.
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

/** The response of a successful GET (status 2xx); the body is not yet read. */
export async function getWithRetry(url: string, opts: RetryOptions = {}): Promise<Response> {
  const policy = { attempts: opts.attempts ?? 5, baseDelayMs: opts.baseDelayMs ?? 500, maxDelayMs: opts.maxDelayMs ?? DEFAULT_MAX_DELAY_MS };
  let response: Response;
  try {
    response = await fetchWithRetry(opts.fetch ?? fetch, url, () => ({ headers: { accept: 'application/json' } }), policy);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new StackfitError(`price API request failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`, url);
  }
  if (response.ok) return response;
  await response.body?.cancel().catch(() => undefined);
  throw new StackfitError(`price API request failed: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`, url);
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
