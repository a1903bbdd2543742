import { describe, expect, it } from 'vitest';
import { fetchWithRetry, retryAfterMs, retryDelayMs, withRetry, type RetryPolicy } from '../../src/retry';

const policy: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };

type Answer = { status: number; headers?: Record<string, string> } | Error;

/** A fetch that answers from a script, one entry per call (the last repeats); an Error entry is thrown. */
function scripted(script: Answer[]): { fetch: typeof fetch; calls: () => number } {
  let calls = 0;
  const fake = (async () => {
    const next = script[Math.min(calls, script.length - 1)]!;
    calls++;
    if (next instanceof Error) throw next;
    return new Response(next.status === 200 ? 'ok' : 'not now', next);
  }) as typeof fetch;
  return { fetch: fake, calls: () => calls };
}

function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(retryAfterMs('7')).toBe(7_000);
    expect(retryAfterMs(' 0 ')).toBe(0);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect(retryAfterMs('-5')).toBeUndefined();
    expect(retryAfterMs('1.5')).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('')).toBeUndefined();
  });
});

describe('retryDelayMs', () => {
  it('doubles from the base, takes the server hint over the back-off, and caps both', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(policy, n))).toEqual([100, 200, 400, 800, 1_000]);
    expect(retryDelayMs(policy, 1, 0)).toBe(0);
    expect(retryDelayMs(policy, 1, 600)).toBe(600);
    expect(retryDelayMs(policy, 1, 3_600_000)).toBe(1_000);
  });
});

describe('fetchWithRetry', () => {
  it('retries 429 and 503 with the server hint or the back-off, then returns the success', async () => {
    const api = scripted([{ status: 429, headers: { 'retry-after': '0' } }, { status: 503 }, { status: 200 }]);
    const { sleep, waits } = recordingSleep();
    const response = await fetchWithRetry(api.fetch, 'http://127.0.0.1/x', () => ({}), policy, sleep);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    expect(api.calls()).toBe(3);
    expect(waits).toEqual([0, 200]);
  });

  it('returns a final status at once, without retrying', async () => {
    for (const status of [400, 401, 404, 422, 501]) {
      const api = scripted([{ status }, { status: 200 }]);
      const { sleep, waits } = recordingSleep();
      const response = await fetchWithRetry(api.fetch, 'http://127.0.0.1/x', () => ({}), policy, sleep);
      expect(response.status).toBe(status);
      expect(api.calls()).toBe(1);
      expect(waits).toEqual([]);
    }
  });

  it('stops after the bounded attempts and hands back the last response', async () => {
    const api = scripted([{ status: 502 }]);
    const { sleep, waits } = recordingSleep();
    const response = await fetchWithRetry(api.fetch, 'http://127.0.0.1/x', () => ({}), policy, sleep);
    expect(response.status).toBe(502);
    expect(api.calls()).toBe(4);
    expect(waits).toEqual([100, 200, 400]);
  });

  it('retries network errors and rethrows the last one', async () => {
    const api = scripted([new TypeError('fetch failed')]);
    const { sleep, waits } = recordingSleep();
    await expect(fetchWithRetry(api.fetch, 'http://127.0.0.1/x', () => ({}), { ...policy, attempts: 2 }, sleep)).rejects.toThrow(
      'fetch failed',
    );
    expect(api.calls()).toBe(2);
    expect(waits).toEqual([100]);
  });

  it('asks for a fresh request init per attempt (a new timeout signal each time)', async () => {
    const api = scripted([{ status: 503 }, { status: 200 }]);
    let inits = 0;
    await fetchWithRetry(
      api.fetch,
      'http://127.0.0.1/x',
      () => {
        inits++;
        return {};
      },
      policy,
      recordingSleep().sleep,
    );
    expect(inits).toBe(2);
  });
});

describe('withRetry', () => {
  it('retries what the predicate calls retryable, and rethrows the rest at once', async () => {
    const { sleep, waits } = recordingSleep();
    let calls = 0;
    const flaky = async (): Promise<string> => {
      calls++;
      if (calls < 3) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
      return 'done';
    };
    const transient = (err: unknown) => (err as { code?: string }).code === 'ECONNRESET';
    await expect(withRetry(flaky, policy, transient, sleep)).resolves.toBe('done');
    expect(waits).toEqual([100, 200]);

    let finalCalls = 0;
    const broken = async (): Promise<string> => {
      finalCalls++;
      throw new Error('bad request');
    };
    await expect(withRetry(broken, policy, transient, sleep)).rejects.toThrow('bad request');
    expect(finalCalls).toBe(1);
  });
});
