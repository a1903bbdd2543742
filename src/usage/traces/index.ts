/**
 * Readers for public VM utilisation traces (see data/README.md, section traces/), used
 * by the back-test, the forecast benchmark and the demo usage builder:
 *
 * - Bitbrains GWA-T-12 (one VM per file): `;`-separated with tab padding. The column
 *   `Timestamp [ms]` actually holds Unix SECONDS. Used cores = usage MHz / (capacity MHz / cores);
 *   memory usage KB (KiB) → GiB; provisioned cores and memory are in the file.
 * - Azure Public Dataset V1, wide CSV: first column the 5-minute interval index, then one column
 *   per VM holding CPU %. No core counts, no memory: cores are computed against an assumed vCPU
 *   count (`azureVcpu`, default 4) and `provisioned` is left undefined.
 */
import { closeSync, openSync, readSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { StackfitError } from '../../model';
import type { Series } from '../../model';
import { normalizeSeries } from '../index';

export type TraceFormat = 'bitbrains' | 'azure-wide';

export interface Trace {
  /** `<file>` for Bitbrains, `<file>:<vm id>` for Azure wide files. */
  id: string;
  source: TraceFormat;
  /** File the trace was read from. */
  file: string;
  /** Used cores (Azure: against the assumed vCPU count). */
  cpuCores: Series;
  memoryGiB?: Series;
  /** What the VM was provisioned with (Bitbrains only): the largest the file records. */
  provisioned?: { vcpu: number; memoryGiB: number };
  /** Provisioned cores and memory GiB per sample (Bitbrains only), for a window's own shape. */
  provisionedSeries?: { vcpu: Series; memoryGiB: Series };
  /** CPU utilisation in % of the provisioned cores, as recorded. */
  cpuPercent?: Series;
}

export interface TraceReadOptions {
  /** vCPU count assumed for Azure traces, which carry only a percentage. */
  azureVcpu?: number;
  /** Unix ms of interval 0 of Azure traces (the dataset gives only offsets). Default 0. */
  azureStartMs?: number;
}

const AZURE_INTERVAL_MS = 5 * 60 * 1000;
const KIB_PER_GIB = 1024 * 1024;

/** Detects a trace format from a file's first line. */
export function detectTraceFormat(header: string): TraceFormat | undefined {
  const h = header.replace(/^\uFEFF/, '');
  if (/^Timestamp \[ms\];/.test(h) && h.includes('CPU usage [MHZ]') && h.includes('CPU cores')) return 'bitbrains';
  const cells = h.trim().split(',');
  if (cells.length >= 2 && cells[0]!.trim() === '' && cells.slice(1).every((c) => /^\s*[\w.-]+\s*$/.test(c))) return 'azure-wide';
  return undefined;
}

function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, '');
}

/** Reads one Bitbrains VM file. */
export function parseBitbrains(text: string, file: string): Trace {
  const lines = text.split('\n');
  const header = lines[0]!.split(';').map((c) => c.trim());
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new StackfitError(`missing column "${name}" in Bitbrains header`, `${file}:1`);
    return i;
  };
  const iT = col('Timestamp [ms]');
  const iCores = col('CPU cores');
  const iCap = col('CPU capacity provisioned [MHZ]');
  const iUse = col('CPU usage [MHZ]');
  const iPct = col('CPU usage [%]');
  const iMemCap = col('Memory capacity provisioned [KB]');
  const iMem = col('Memory usage [KB]');
  const t: number[] = [];
  const cores: number[] = [];
  const mem: number[] = [];
  const pct: number[] = [];
  const provCores: number[] = [];
  const provMemGiB: number[] = [];
  let maxCores = 0;
  let maxMemKiB = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const f = line.split(';');
    const num = (j: number, what: string): number => {
      const x = Number(f[j]);
      if (f[j] === undefined || f[j].trim() === '' || !Number.isFinite(x)) {
        throw new StackfitError(`${what} "${(f[j] ?? '').trim()}" is not a number`, `${file}:${i + 1}`);
      }
      return x;
    };
    const seconds = num(iT, 'timestamp');
    const n = num(iCores, 'CPU cores');
    const cap = num(iCap, 'CPU capacity');
    const use = num(iUse, 'CPU usage');
    const memCap = num(iMemCap, 'memory capacity');
    // A used-cores value needs a capacity: a row without one is a gap, not a zero.
    t.push(seconds * 1000);
    cores.push(cap > 0 && n > 0 ? use / (cap / n) : NaN);
    mem.push(num(iMem, 'memory usage') / KIB_PER_GIB);
    pct.push(num(iPct, 'CPU usage %'));
    provCores.push(n > 0 ? n : NaN);
    provMemGiB.push(memCap > 0 ? memCap / KIB_PER_GIB : NaN);
    if (n > maxCores) maxCores = n;
    if (memCap > maxMemKiB) maxMemKiB = memCap;
  }
  const series = (v: number[]): Series => normalizeSeries({ t: t.slice(), v });
  return {
    id: basename(file),
    source: 'bitbrains',
    file,
    cpuCores: series(cores),
    memoryGiB: series(mem),
    provisioned: { vcpu: maxCores, memoryGiB: maxMemKiB / KIB_PER_GIB },
    cpuPercent: series(pct),
    provisionedSeries: { vcpu: series(provCores), memoryGiB: series(provMemGiB) },
  };
}

/** Reads an Azure V1 wide CSV: one trace per VM column. Empty cells are gaps. */
export function parseAzureWide(text: string, file: string, opts: TraceReadOptions = {}): Trace[] {
  const vcpu = opts.azureVcpu ?? 4;
  const start = opts.azureStartMs ?? 0;
  const lines = text.split('\n');
  const ids = lines[0]!
    .replace(/\r$/, '')
    .split(',')
    .slice(1)
    .map((c) => c.trim());
  const t: number[] = [];
  const columns: number[][] = ids.map(() => []);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const f = line.split(',');
    if (f.length !== ids.length + 1) {
      throw new StackfitError(`expected ${ids.length + 1} fields, found ${f.length}`, `${file}:${i + 1}`);
    }
    const index = Number(f[0]);
    if (!Number.isInteger(index)) throw new StackfitError(`interval index "${f[0]}" is not an integer`, `${file}:${i + 1}`);
    t.push(start + index * AZURE_INTERVAL_MS);
    for (let c = 0; c < ids.length; c++) {
      const cell = f[c + 1]!.trim();
      const x = cell === '' || cell === 'NA' ? NaN : Number(cell);
      if (cell !== '' && cell !== 'NA' && !Number.isFinite(x)) {
        throw new StackfitError(`value "${cell}" for VM ${ids[c]} is not a number`, `${file}:${i + 1}`);
      }
      columns[c]!.push(x);
    }
  }
  return ids.map((id, c) => {
    const cpuPercent = normalizeSeries({ t: t.slice(), v: columns[c]! });
    return {
      id: `${basename(file)}:${id}`,
      source: 'azure-wide' as const,
      file,
      cpuPercent,
      cpuCores: { t: cpuPercent.t, v: cpuPercent.v.map((p) => (p / 100) * vcpu) },
    };
  });
}

/** Reads one trace file of either format (detected from its header). */
export function readTraceFile(file: string, opts: TraceReadOptions = {}): Trace[] {
  const text = readFileSync(file, 'utf8');
  const format = detectTraceFormat(firstLine(text));
  if (format === 'bitbrains') return [parseBitbrains(text, file)];
  if (format === 'azure-wide') return parseAzureWide(text, file, opts);
  throw new StackfitError('not a Bitbrains or Azure wide trace (unrecognised header)', `${file}:1`);
}

/**
 * Reads every trace file in a directory (recursively), in name order. Files whose header is
 * not a known trace format are skipped (READMEs, licences).
 */
export function readTraceDir(dir: string, opts: TraceReadOptions = {}): Trace[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (err) {
    throw new StackfitError(`cannot read trace directory: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, dir);
  }
  const traces: Trace[] = [];
  for (const entry of entries) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      traces.push(...readTraceDir(path, opts));
      continue;
    }
    const head = readHead(path);
    if (detectTraceFormat(head) === undefined) continue;
    traces.push(...readTraceFile(path, opts));
  }
  return traces;
}

function readHead(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return firstLine(buffer.toString('utf8', 0, n));
  } finally {
    closeSync(fd);
  }
}
