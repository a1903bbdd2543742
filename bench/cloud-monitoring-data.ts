/** What bench/cloud-monitoring.ts and its fake share: the traces, ids, project and token. */
import path from 'node:path';
import type { Trace, TraceReadOptions } from '../src/usage/traces/index';

export const BENCH_PROJECT = 'stackfit-bench';
export const BENCH_TOKEN = 'ya29.stackfit-bench-token';

/** The 40 real Bitbrains VMs shipped in data/ (10 in traces/, 30 in more-traces/), in a fixed order. */
export function benchTraces(read: (dir: string, opts?: TraceReadOptions) => Trace[]): Trace[] {
  const root = path.join(__dirname, '..', 'data');
  return [...read(path.join(root, 'traces', 'bitbrains-rnd-2013-07')), ...read(path.join(root, 'more-traces', 'bitbrains-rnd-2013-07'))];
}

/** A numeric GCE instance id for bench instance i. */
export function benchInstanceId(i: number): string {
  return String(7_000_000_000_000_000_000n + BigInt(i));
}
