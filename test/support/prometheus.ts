/**
 * A real Prometheus for tests and benchmarks: backfilled with `promtool tsdb
 * create-blocks-from openmetrics` from real traces, started on a free loopback port with no
 * scrape targets, stopped (and its data removed) afterwards.
 *
 * Encoding of a Bitbrains trace as node_exporter metrics (what `rate()` must give back):
 * - timestamps are floored to the 5-minute slot they fall in (Bitbrains samples drift by a few
 *   seconds; no two samples of one VM share a slot), so that a query grid on multiples of 300 s
 *   hits the samples exactly;
 * - `node_cpu_seconds_total{mode="user",cpu="all"}` is a counter that grows by
 *   `usedCores × seconds since the previous sample`: `rate(…[300s])` evaluated at a sample's
 *   slot is then exactly that sample's used cores (Prometheus 2.x range selectors include both
 *   ends, and samples on the window's edges need no extrapolation). All CPUs are in one series
 *   per mode: the default query sums by instance anyway. A sample whose previous slot is empty
 *   yields no rate: a gap stays a gap;
 * - `node_memory_MemTotal_bytes` (the provisioned memory, written hourly and before each gap:
 *   Prometheus's 2 h lookback carries it) and `node_memory_MemAvailable_bytes` = total − used.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Series } from '../../src/model';
import type { Trace } from '../../src/usage/traces';

const execFileAsync = promisify(execFile);

export const SLOT_SECONDS = 300;
export const BITBRAINS_DIR = join(__dirname, '../../data/traces/bitbrains-rnd-2013-07');

export interface BackfillInstance {
  /** Value of the `instance` label, e.g. `bb-113:9100`. */
  instance: string;
  trace: Trace;
}

/** A trace series on the 5-minute slot grid (Unix ms), as the backfill writes it. */
export function toSlots(series: Series): Series {
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < series.t.length; i++) {
    const slot = Math.floor(series.t[i]! / 1000 / SLOT_SECONDS) * SLOT_SECONDS * 1000;
    if (t.length > 0 && t[t.length - 1]! >= slot) throw new Error(`two samples in one 5-minute slot at ${slot}`);
    t.push(slot);
    v.push(series.v[i]!);
  }
  return { t, v };
}

/**
 * What `rate(counter[300s])` on the 300 s grid returns: the used cores of each sample whose
 * previous slot also holds a sample.
 */
export function expectedCpuFromTrace(trace: Trace): Series {
  const s = toSlots(trace.cpuCores);
  const out: Series = { t: [], v: [] };
  for (let i = 1; i < s.t.length; i++) {
    if (s.t[i]! - s.t[i - 1]! === SLOT_SECONDS * 1000) {
      out.t.push(s.t[i]!);
      out.v.push(s.v[i]!);
    }
  }
  return out;
}

/** Writes the OpenMetrics text for the instances (streamed: the benchmark writes millions of lines). */
export async function writeOpenMetrics(file: string, instances: readonly BackfillInstance[]): Promise<void> {
  const out = createWriteStream(file);
  const lines: string[] = [];
  const flush = async (): Promise<void> => {
    if (lines.length === 0) return;
    const chunk = lines.join('\n') + '\n';
    lines.length = 0;
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  };
  const push = async (line: string): Promise<void> => {
    lines.push(line);
    if (lines.length >= 20_000) await flush();
  };
  const label = (instance: string): string => `instance="${instance.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

  await push('# TYPE node_cpu_seconds counter');
  for (const { instance, trace } of instances) {
    const cpu = toSlots(trace.cpuCores);
    let counter = 0;
    for (let i = 0; i < cpu.t.length; i++) {
      if (i > 0) counter += cpu.v[i]! * ((cpu.t[i]! - cpu.t[i - 1]!) / 1000);
      await push(`node_cpu_seconds_total{${label(instance)},cpu="all",mode="user"} ${counter} ${cpu.t[i]! / 1000}`);
    }
  }
  await push('# TYPE node_memory_MemTotal_bytes gauge');
  for (const { instance, trace } of instances) {
    if (!trace.memoryGiB || !trace.provisioned) continue;
    const total = trace.provisioned.memoryGiB * 2 ** 30;
    const mem = toSlots(trace.memoryGiB);
    let lastWritten = -Infinity;
    for (let i = 0; i < mem.t.length; i++) {
      const t = mem.t[i]!;
      // Hourly keeps the file small; also the last sample before a gap, so that the total is
      // still within the lookback wherever MemAvailable is.
      const beforeGap = i + 1 === mem.t.length || mem.t[i + 1]! - t > SLOT_SECONDS * 1000;
      if (t - lastWritten < 3_600_000 && !beforeGap) continue;
      await push(`node_memory_MemTotal_bytes{${label(instance)}} ${total} ${t / 1000}`);
      lastWritten = t;
    }
  }
  await push('# TYPE node_memory_MemAvailable_bytes gauge');
  for (const { instance, trace } of instances) {
    if (!trace.memoryGiB || !trace.provisioned) continue;
    const total = trace.provisioned.memoryGiB * 2 ** 30;
    const mem = toSlots(trace.memoryGiB);
    for (let i = 0; i < mem.t.length; i++) {
      await push(`node_memory_MemAvailable_bytes{${label(instance)}} ${total - mem.v[i]! * 2 ** 30} ${mem.t[i]! / 1000}`);
    }
  }
  await push('# EOF');
  await flush();
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** Backfills a TSDB directory from OpenMetrics files (several files may overlap in time). */
export async function backfill(dataDir: string, openMetricsFiles: readonly string[]): Promise<void> {
  for (const file of openMetricsFiles) {
    try {
      await execFileAsync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=744h', file, dataDir], {
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error('promtool not found: install Prometheus with scripts/ci/install-prometheus.sh');
      }
      throw err;
    }
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningPrometheus {
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus on an existing TSDB directory (or a fresh one backfilled from
 * `openMetricsFiles`). `keepData` leaves the directory behind (the benchmark reuses it).
 */
export async function startPrometheus(opts: {
  openMetricsFiles?: string[];
  dataDir?: string;
  keepData?: boolean;
}): Promise<RunningPrometheus> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'stackfit-prom-'));
  if (opts.openMetricsFiles) await backfill(dataDir, opts.openMetricsFiles);
  const configDir = mkdtempSync(join(tmpdir(), 'stackfit-promcfg-'));
  const configFile = join(configDir, 'prometheus.yml');
  writeFileSync(configFile, 'global: {}\nscrape_configs: []\n');
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${dataDir}`,
      '--storage.tsdb.retention.time=400d',
      '--query.lookback-delta=2h',
      `--config.file=${configFile}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (err) => {
      spawnError = err;
      resolve();
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const cleanup = (): void => {
    rmSync(configDir, { recursive: true, force: true });
    if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && !spawnError) child.kill('SIGTERM');
    await exited;
    cleanup();
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (spawnError) {
      cleanup();
      throw new Error(`cannot start prometheus (install it with scripts/ci/install-prometheus.sh): ${spawnError.message}`);
    }
    if (child.exitCode !== null) {
      cleanup();
      throw new Error(`prometheus exited with ${child.exitCode}: ${stderr}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready after 60 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, port, pid: child.pid ?? 0, dataDir, stop };
}
