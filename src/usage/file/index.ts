/**
 * The file usage source: usage read from a CSV (long form `timestamp,resource,metric,value`) or
 * JSON file the user exported from any monitoring system. See docs/usage-files.md.
 *
 * Values are PER INSTANCE: for a workload with `count` > 1, a row says what one instance uses.
 */
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { StackfitError } from '../../model';
import type { Series, UsageRange, UsageResult, UsageSeries, UsageSource, Workload } from '../../model';
import { BYTES_PER_GIB, percentToCores, percentToGiB, scaleSeries, sliceSeries } from '../index';
import { UsageCsvParser, parseUsageJson } from './parse';
import type { RawUsage } from './parse';
import type { UsageMetric } from './schema';
import { defineUsageSource } from '../contract';
import { fileOptionsSchema } from './schema';

export { UsageCsvParser, parseUsageJson, parseTimestamp } from './parse';
export type { RawUsage } from './parse';
export { USAGE_METRICS, usageJsonSchema } from './schema';
export type { UsageMetric, UsageJson } from './schema';

export interface FileUsageOptions {
  /** vCPU count of a workload's current size (from the catalog): needed for `cpu_percent`. */
  vcpuOf?: (w: Workload) => number | undefined;
  /** Memory (GiB) of a workload's current size (from the catalog): needed for `memory_percent`. */
  memoryGiBOf?: (w: Workload) => number | undefined;
  /**
   * vCPU and memory of the size wherever the catalog sells it (the same in every region): the
   * implausible-usage warnings use it, so they fire in regions without prices too. Falls back
   * to `vcpuOf` / `memoryGiBOf`.
   */
  capacityOf?: (w: Workload) => { vcpu: number; memoryGiB: number } | undefined;
}

const CHUNK_BYTES = 8 * 1024 * 1024;
/** The JSON form is parsed whole: past this, export CSV (streamed, no limit). */
export const MAX_USAGE_JSON_BYTES = 256 * 1024 * 1024;

function readError(err: unknown, path: string): StackfitError {
  const code = (err as NodeJS.ErrnoException).code;
  return new StackfitError(
    code === 'EISDIR' ? 'is a directory, not a usage file' : `cannot read usage file: ${code ?? (err as Error).message}`,
    path,
  );
}

/** Reads and parses a usage file (JSON when it starts with `{`, CSV otherwise). */
export function readUsageFile(path: string): RawUsage {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw readError(err, path);
  }
  const name = path;
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    const read = (): number => {
      try {
        return readSync(fd, buffer, 0, CHUNK_BYTES, null);
      } catch (err) {
        throw readError(err, path);
      }
    };
    const first = read();
    const head = buffer.toString('utf8', 0, Math.min(first, 64)).trimStart(); // trimStart drops a BOM too
    if (head.startsWith('{')) {
      // Read through the open descriptor (a FIFO or /dev/fd/N can be read once only), bounded.
      const chunks: Buffer[] = [Buffer.from(buffer.subarray(0, first))];
      let total = first;
      for (let n = first; n > 0;) {
        n = read();
        total += n;
        if (total > MAX_USAGE_JSON_BYTES)
          throw new StackfitError(
            `JSON usage file larger than ${MAX_USAGE_JSON_BYTES / 1024 / 1024} MiB: export CSV instead (it is streamed)`,
            path,
          );
        if (n > 0) chunks.push(Buffer.from(buffer.subarray(0, n)));
      }
      return parseUsageJson(Buffer.concat(chunks).toString('utf8'), name);
    }
    // Stream the CSV in chunks of bytes: a large file does not fit in one JS string.
    const parser = new UsageCsvParser(name);
    let n = first;
    while (n > 0) {
      parser.push(buffer.subarray(0, n));
      n = read();
    }
    return parser.end();
  } finally {
    closeSync(fd);
  }
}

/** The keys a usage row may use for a workload, most specific first. */
function keysOf(w: Workload): string[] {
  const ids = w.metricIds;
  const keys = [w.urn, ids.awsInstanceId, ids.awsDbInstanceId, ids.azureResourceId, ids.gcpInstanceId, ids.hostname, w.name];
  return keys.filter((k): k is string => typeof k === 'string' && k !== '');
}

/** Azure resource ids are case-insensitive; everything else matches exactly. */
function lookupKey(key: string): string {
  return key.startsWith('/subscriptions/') ? key.toLowerCase() : key;
}

interface Converted {
  cpu?: Series;
  memory?: Series;
  problem?: string;
}

function convert(w: Workload, metrics: Map<UsageMetric, Series>, opts: FileUsageOptions): Converted {
  const out: Converted = {};
  const cores = metrics.get('cpu_cores');
  const cpuPercent = metrics.get('cpu_percent');
  if (cores) out.cpu = cores;
  else if (cpuPercent) {
    const vcpu = opts.vcpuOf?.(w);
    if (vcpu === undefined) out.problem = `cpu_percent needs the vCPU count of size "${w.size}", which is unknown`;
    else out.cpu = scaleSeries(cpuPercent, percentToCores(1, vcpu));
  } else out.problem = 'no cpu_cores or cpu_percent rows';

  const gib = metrics.get('memory_gib');
  const bytes = metrics.get('memory_bytes');
  const memPercent = metrics.get('memory_percent');
  if (gib) out.memory = gib;
  else if (bytes) out.memory = scaleSeries(bytes, 1 / BYTES_PER_GIB);
  else if (memPercent) {
    const memoryGiB = opts.memoryGiBOf?.(w);
    // Without the size's memory the percentage means nothing: size on CPU only rather than guess.
    if (memoryGiB !== undefined) out.memory = scaleSeries(memPercent, percentToGiB(1, memoryGiB));
  }
  return out;
}

/** Usage above the current size's capacity by more than this factor is flagged (the size may have changed in the window, so a warning, not an error). */
export const CAPACITY_MARGIN = 1.25;
/** Fewer bytes than this cannot be a VM's memory in use: the column likely holds GiB or MiB. */
const MIN_PLAUSIBLE_MEMORY_BYTES = 1024 * 1024;

/**
 * Values that can be real but most likely are a unit mix-up, each with where the largest value
 * is (file and line, or JSON path): percentages in a cores column, 0–1 fractions as
 * percentages, GiB in a bytes column, usage beyond the size's capacity.
 */
export function implausibleUsage(w: Workload, resource: string, raw: RawUsage, opts: FileUsageOptions): string[] {
  const peaks = raw.peaks.get(resource);
  if (!peaks) return [];
  const out: string[] = [];
  const capacity = opts.capacityOf?.(w);
  const vcpu = capacity?.vcpu ?? opts.vcpuOf?.(w);
  const memoryGiB = capacity?.memoryGiB ?? opts.memoryGiBOf?.(w);
  const size = `"${w.size}"`;
  const cores = peaks.get('cpu_cores');
  if (cores && vcpu !== undefined && cores.value > vcpu * CAPACITY_MARGIN) {
    out.push(
      `${cores.where}: cpu_cores ${cores.value} for "${resource}" is more than the ${vcpu} vCPUs of ${size}${cores.value <= 100 ? ' (percentages in the cpu_cores column?)' : ''}`,
    );
  }
  for (const metric of ['cpu_percent', 'memory_percent'] as const) {
    const peak = peaks.get(metric);
    if (peak && peak.value > 0 && peak.value <= 1)
      out.push(
        `${peak.where}: ${metric} for "${resource}" never exceeds ${peak.value} (0–1 fractions instead of percentages? multiply by 100)`,
      );
  }
  const bytes = peaks.get('memory_bytes');
  if (bytes && bytes.value > 0 && bytes.value < MIN_PLAUSIBLE_MEMORY_BYTES) {
    out.push(`${bytes.where}: memory_bytes for "${resource}" never exceeds ${bytes.value} bytes (GiB or MiB in the memory_bytes column?)`);
  }
  const gib = peaks.get('memory_gib') ?? (bytes && { value: bytes.value / BYTES_PER_GIB, where: bytes.where });
  if (gib && memoryGiB !== undefined && gib.value > memoryGiB * CAPACITY_MARGIN) {
    out.push(
      `${gib.where}: memory ${Number(gib.value.toPrecision(4))} GiB for "${resource}" is more than the ${memoryGiB} GiB of ${size}${peaks.has('memory_gib') && gib.value >= 1024 ? ' (bytes or MiB in the memory_gib column?)' : ''}`,
    );
  }
  return out;
}

function isoRange(s: Series): string {
  return `${new Date(s.t[0]!).toISOString()} to ${new Date(s.t[s.t.length - 1]!).toISOString()}`;
}

/** Matches parsed usage to workloads and converts units. Pure; exported for tests and reuse. */
export function usageFromRaw(
  raw: RawUsage,
  workloads: readonly Workload[],
  range: UsageRange,
  source: string,
  opts: FileUsageOptions = {},
): UsageResult {
  const index = new Map<string, string>();
  // Every resource with rows, gap-only ones included: a workload whose rows are all gaps is in
  // the stack and must be told so, not listed as "not in the stack".
  for (const resource of raw.rowsPerResource.keys()) index.set(lookupKey(resource), resource);
  for (const resource of raw.resources.keys()) index.set(lookupKey(resource), resource);
  const used = new Set<string>();
  const series = new Map<string, UsageSeries>();
  const missing: UsageResult['missing'] = [];
  const warnings: string[] = [];
  const startMs = range.start.getTime();
  const endMs = range.end.getTime();
  for (const w of workloads) {
    const resource = keysOf(w)
      .map((k) => index.get(lookupKey(k)))
      .find((r) => r !== undefined);
    if (resource === undefined) {
      missing.push({ urn: w.urn, reason: `no rows for "${w.name}" (by URN, cloud id or name) in ${source}` });
      continue;
    }
    used.add(resource);
    if (!raw.resources.has(resource)) {
      const gaps = `${source}: all ${raw.rowsPerResource.get(resource) ?? 0} row(s) for "${resource}" are gaps (empty values)`;
      warnings.push(gaps);
      missing.push({ urn: w.urn, reason: `${gaps}: no usage to size it on` });
      continue;
    }
    warnings.push(...implausibleUsage(w, resource, raw, opts));
    const converted = convert(w, raw.resources.get(resource)!, opts);
    if (!converted.cpu) {
      missing.push({ urn: w.urn, reason: `${source}: resource "${resource}": ${converted.problem}` });
      continue;
    }
    const cpu = sliceSeries(converted.cpu, startMs, endMs);
    if (cpu.t.length === 0) {
      const covers = converted.cpu.t.length > 0 ? ` (the file covers ${isoRange(converted.cpu)})` : '';
      missing.push({
        urn: w.urn,
        reason: `${source}: no samples for "${resource}" between ${range.start.toISOString()} and ${range.end.toISOString()}${covers}`,
      });
      continue;
    }
    const entry: UsageSeries = { urn: w.urn, cpuCores: cpu, source };
    if (converted.memory) {
      const memory = sliceSeries(converted.memory, startMs, endMs);
      if (memory.t.length > 0) entry.memoryGiB = memory;
    }
    series.set(w.urn, entry);
  }
  const unmatched = [...raw.resources.keys(), ...[...raw.rowsPerResource.keys()].filter((r) => !raw.resources.has(r))].filter(
    (r) => !used.has(r),
  );
  if (unmatched.length > 0) {
    const rows = unmatched.reduce((sum, r) => sum + (raw.rowsPerResource.get(r) ?? 0), 0);
    const shown = unmatched.slice(0, 5).join(', ') + (unmatched.length > 5 ? `, … (${unmatched.length - 5} more)` : '');
    warnings.push(`${source}: ignored ${rows} rows for ${unmatched.length} resource(s) not in the stack: ${shown}`);
  }
  return warnings.length > 0 ? { series, missing, warnings } : { series, missing };
}

/**
 * A usage source backed by a CSV or JSON file. The file is parsed once, on the first fetch, and
 * re-read only when its modification time changes.
 */
export function fileUsageSource(path: string, opts: FileUsageOptions = {}): UsageSource {
  const source = `file:${path}`;
  let cached: { mtimeMs: number; raw: RawUsage } | undefined;
  const load = (): RawUsage => {
    let mtimeMs = -1;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch {
      // readUsageFile reports the missing file with a clear message
    }
    if (cached && cached.mtimeMs === mtimeMs) return cached.raw;
    const raw = readUsageFile(path);
    cached = { mtimeMs, raw };
    return raw;
  };
  return {
    name: `file:${basename(path)}`,
    async fetch(workloads: readonly Workload[], range: UsageRange): Promise<UsageResult> {
      return usageFromRaw(load(), workloads, range, source, opts);
    },
  };
}

/**
 * Anything that is not `scheme:` (a Windows drive letter is a path): a CSV or JSON usage file.
 * Last in the registry, since it takes every spec no other source claimed.
 */
export const fileSource = defineUsageSource({
  name: 'file',
  key: 'file',
  forms: ['a file path'],
  api: false,
  options: fileOptionsSchema,
  select: (spec) =>
    /^[a-z][a-z0-9+-]*:(?!\\)/i.test(spec) && !/^[a-z]:[\\/]/i.test(spec)
      ? undefined
      : ({ vcpuOf, memoryGiBOf, capacityOf }) =>
          fileUsageSource(spec, {
            ...(vcpuOf ? { vcpuOf } : {}),
            ...(memoryGiBOf ? { memoryGiBOf } : {}),
            ...(capacityOf ? { capacityOf } : {}),
          }),
});
