/**
 * Back-test input: the trace files of a directory, one trace per VM, plus the files that could
 * not be used and why. Azure V1 ships each VM twice (an `_avg_` and a `_max_` wide file): the two
 * columns of a VM become ONE trace, sized and scored on the per-interval maximum (the average is
 * kept for reference). See docs/backtest.md.
 */
import { readdirSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { StackfitError } from '../model';
import type { Series } from '../model';
import { detectTraceFormat, readTraceFile } from '../usage/traces/index';
import type { Trace } from '../usage/traces/index';

/** vCPU / GiB assumed for Azure V1 VMs, which record only a CPU percentage. */
export const AZURE_ASSUMED = { vcpu: 4, memoryGiB: 16 } as const;

export interface BacktestTrace {
  /** `<file>` (Bitbrains) or `azure-v1:<vm id>` (Azure, both files together). */
  id: string;
  /** The VM's id inside the dataset (Bitbrains: the file name without `.csv`). */
  vmId: string;
  /** Folder of the trace relative to the back-test directory (`.` for the directory itself). */
  dataset: string;
  source: Trace['source'];
  /** Every file the trace was read from. */
  files: string[];
  /** Used cores: Bitbrains as recorded, Azure the per-interval MAXIMUM (× the assumed vCPU). */
  cpuCores: Series;
  /** Azure only: the per-interval average, in cores, when the `_avg_` file is present. */
  cpuAvgCores?: Series;
  memoryGiB?: Series;
  /** Bitbrains: provisioned cores and memory per sample. */
  provisionedSeries?: { vcpu: Series; memoryGiB: Series };
  /** Azure: readings are a percentage of a capacity the trace does not give (capped at 100 %). */
  cappedAt?: number;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

function firstLineOf(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.toString('utf8', 0, n);
    const nl = text.indexOf('\n');
    return (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, '');
  } finally {
    closeSync(fd);
  }
}

function listFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (err) {
    throw new StackfitError(`cannot read trace directory: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, dir);
  }
  const out: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

/** `avg` / `max` from an Azure V1 file name (`…_avg_…`, `…_max_…`), else undefined. */
function azureStatistic(file: string): 'avg' | 'max' | undefined {
  const name = basename(file).toLowerCase();
  if (/(^|[_.-])avg([_.-]|$)/.test(name)) return 'avg';
  if (/(^|[_.-])max([_.-]|$)/.test(name)) return 'max';
  return undefined;
}

/**
 * Reads every file under `dir`. Files of no known trace format, or that fail to parse, are
 * listed in `skipped` with the reason instead of stopping the run (a mixed directory is normal).
 */
export function loadBacktestTraces(dir: string): { traces: BacktestTrace[]; skipped: SkippedFile[] } {
  const skipped: SkippedFile[] = [];
  const traces: BacktestTrace[] = [];
  /** Azure columns by dataset + VM id: the avg and max statistic of the same VM. */
  const azure = new Map<string, { dataset: string; vmId: string; avg?: Trace; max?: Trace; files: string[] }>();
  for (const file of listFiles(dir)) {
    const dataset = relative(dir, dirname(file)) || '.';
    let format;
    try {
      format = detectTraceFormat(firstLineOf(file));
    } catch (err) {
      skipped.push({ file, reason: `cannot read: ${(err as Error).message}` });
      continue;
    }
    if (format === undefined) {
      skipped.push({ file, reason: 'not a Bitbrains or Azure V1 wide trace (unrecognised header)' });
      continue;
    }
    let read: Trace[];
    try {
      read = readTraceFile(file, { azureVcpu: AZURE_ASSUMED.vcpu });
    } catch (err) {
      skipped.push({ file, reason: (err as Error).message });
      continue;
    }
    if (format === 'bitbrains') {
      const t = read[0]!;
      if (t.cpuCores.t.length === 0) {
        skipped.push({ file, reason: 'no CPU samples' });
        continue;
      }
      traces.push({
        id: t.id,
        vmId: basename(file).replace(/\.csv$/i, ''),
        dataset,
        source: 'bitbrains',
        files: [file],
        cpuCores: t.cpuCores,
        ...(t.memoryGiB && { memoryGiB: t.memoryGiB }),
        ...(t.provisionedSeries && { provisionedSeries: t.provisionedSeries }),
      });
      continue;
    }
    const statistic = azureStatistic(file) ?? 'max';
    for (const t of read) {
      const vmId = t.id.slice(t.id.lastIndexOf(':') + 1);
      const key = `${dataset}\u0000${vmId}`;
      const entry = azure.get(key) ?? { dataset, vmId, files: [] };
      if (entry[statistic]) {
        skipped.push({ file, reason: `VM ${vmId}: a second ${statistic} column (already read from ${entry.files.join(', ')})` });
        continue;
      }
      entry[statistic] = t;
      entry.files.push(file);
      azure.set(key, entry);
    }
  }
  for (const e of azure.values()) {
    // Sized and scored on the per-interval maximum; a VM with only the average falls back to it
    // (and says so in its id), since the average is all there is.
    const main = e.max ?? e.avg!;
    if (main.cpuCores.t.length === 0) {
      skipped.push({ file: e.files.join(', '), reason: `VM ${e.vmId}: no CPU samples` });
      continue;
    }
    traces.push({
      id: `${e.dataset === '.' ? '' : `${e.dataset}:`}${e.vmId}${e.max ? '' : ' (avg only)'}`,
      vmId: e.vmId,
      dataset: e.dataset,
      source: 'azure-wide',
      files: e.files,
      cpuCores: main.cpuCores,
      ...(e.max && e.avg && { cpuAvgCores: e.avg.cpuCores }),
      cappedAt: AZURE_ASSUMED.vcpu,
    });
  }
  return { traces, skipped };
}
