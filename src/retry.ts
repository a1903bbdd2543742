/**
 * The one retry policy for stackfit's own HTTP clients (price APIs, Prometheus) and hand-made
 * retries around SDK calls. Octokit and the cloud SDKs keep their own retry plug-ins.
 *
 * - Retried: network errors and timeouts, and the statuses in RETRYABLE_STATUSES (request
 *   timeout, rate limit, and the 5xx that mean "try again": 500, 502, 503, 504). Any other
 *   status is final at once.
 * - Wait before attempt n+1: the server's Retry-After (seconds or HTTP date) when it sends one,
 *   else `baseDelayMs · 2^(n-1)`; either way at most `maxDelayMs`.
 * - At most `attempts` attempts in all; after the last one the caller gets the last response or
 *   error and reports it.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included (at least 1). */
  attempts: number;
  /** Wait after the first failed attempt; doubles each time. */
  baseDelayMs: number;
  /** Longest wait between two attempts, Retry-After included. */
  maxDelayMs: number;
}

export const DEFAULT_MAX_DELAY_MS = 30_000;

/** Statuses that say the same request may succeed later. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A Retry-After header in milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date names its day and month; without letters V8's Date.parse would read `1.5` as a date.
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The wait after failed attempt `attempt` (1-based): the server's hint if any, else the back-off; capped. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, hintMs?: number): number {
  const backoff = policy.baseDelayMs * 2 ** (attempt - 1);
  return Math.max(0, Math.min(policy.maxDelayMs, hintMs ?? backoff));
}

/** An error that carries the server's Retry-After (ms): withRetry waits that long, capped, instead of the back-off. */
export interface RetryHint {
  retryAfterMs?: number;
}

function retryHintOf(err: unknown): number | undefined {
  const hint = (err as RetryHint | null)?.retryAfterMs;
  return typeof hint === 'number' && Number.isFinite(hint) ? hint : undefined;
}

/**
 * Runs `operation` until it succeeds, `isRetryable` says an error is final, or the attempts run
 * out; then rethrows the last error. An error with `retryAfterMs` (RetryHint) sets the wait.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  isRetryable: (err: unknown) => boolean = () => true,
  sleep: Sleep = realSleep,
): Promise<T> {
  const attempts = Math.max(1, policy.attempts);
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
      await sleep(retryDelayMs(policy, attempt, retryHintOf(err)));
    }
  }
}

/**
 * Fetches with the policy. Returns the first response that is not retryable, or the last
 * response once the attempts run out (the caller reads its status); throws the last network
 * error. `init` is called per attempt, so each gets a fresh timeout signal.
 */
export async function fetchWithRetry(
  doFetch: typeof fetch,
  url: string,
  init: () => RequestInit,
  policy: RetryPolicy,
  sleep: Sleep = realSleep,
): Promise<Response> {
  const attempts = Math.max(1, policy.attempts);
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await doFetch(url, init());
    } catch (err) {
      if (attempt >= attempts) throw err;
      await sleep(retryDelayMs(policy, attempt));
      continue;
    }
    if (!RETRYABLE_STATUSES.has(response.status) || attempt >= attempts) return response;
    await response.body?.cancel().catch(() => undefined);
    await sleep(retryDelayMs(policy, attempt, retryAfterMs(response.headers.get('retry-after'))));
  }
}
