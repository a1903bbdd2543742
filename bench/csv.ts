/**
 * Usage-CSV parser benchmark: `npx tsx bench/csv.ts [--workloads N]` (default 10,000 → 14.4 M rows).
 *
 * Question: should stackfit read usage CSVs with `csv-parse` (already a dependency) instead of its
 * hand-written parser (src/usage/file/parse.ts)? Both get the same input and apply the SAME
 * validation: header columns by name, field count per row, resource, metric, timestamp (same
 * parser and cache of repeated timestamps), value, and errors as `file:line: message`.
 *
 * Input: the benches' real-trace usage (bench/usage-data.ts: 10 Bitbrains traces rotated over N
 * workloads × 720 hours × 2 metrics, quoted URNs, ISO timestamps) written to the OS temp dir.
 *
 * 1. hand-written: `readUsageFile` (incremental, on bytes).
 * 2. csv-parse, streaming API (`parse()` as a Transform; each record checked in `on_record`).
 * 3. csv-parse, sync API (`csv-parse/sync` over the whole file in one Buffer), only when the file
 *    is at most 512 MiB (the sync API needs the whole input in memory).
 * 4. The hostile cases of test/hostile (ragged rows, quotes, BOM, CRLF, a non-numeric value): the
 *    message each reader gives, and whether csv-parse's (mapped to ours) names the same line.
 *
 * Printed: wall and CPU seconds per reader, rows/s, the ratio to the hand-written parser.
 */
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as parseStream, type CsvError, type Options } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { StackfitError, type Series } from '../src/model';
import { normalizeSeries } from '../src/usage/index';
import { readUsageFile } from '../src/usage/file/index';
import {
  MAX_PERCENT,
  parseTimestamp,
  parseValue,
  timestampProblem,
  unreadableTimestamp,
  usageCsvColumns,
  type UsageCsvColumns,
} from '../src/usage/file/parse';
import { CSV_COLUMNS, USAGE_METRICS, type UsageMetric } from '../src/usage/file/schema';
import { benchUsage, writeUsageCsv } from './usage-data';

const METRICS: ReadonlySet<string> = new Set(USAGE_METRICS);

/** The hand-written parser's row checks, for records csv-parse has split into fields. */
class RowChecker {
  private columns: UsageCsvColumns | undefined;
  private readonly timestamps = new Map<string, number>();
  readonly series = new Map<string, Map<UsageMetric, { t: number[]; v: number[] }>>();
  rows = 0;
  gaps = 0;

  constructor(private readonly file: string) {}

  private fail(message: string, line: number): never {
    throw new StackfitError(message, `${this.file}:${line}`);
  }

  row(fields: string[], line: number): void {
    if (!this.columns) {
      const columns = usageCsvColumns(fields);
      if (typeof columns === 'string') this.fail(columns, line);
      this.columns = columns;
      return;
    }
    const cols = this.columns;
    if (fields.length !== cols.count) this.fail(`expected ${cols.count} fields (${CSV_COLUMNS.join(',')}), found ${fields.length}`, line);
    const resource = fields[cols.resource]!.trim();
    if (resource === '') this.fail('resource is empty', line);
    const metric = fields[cols.metric]!.trim();
    if (!METRICS.has(metric)) this.fail(`unknown metric "${metric}" (expected one of ${USAGE_METRICS.join(', ')})`, line);
    const text = fields[cols.timestamp]!;
    let t = this.timestamps.get(text);
    if (t === undefined) {
      t = parseTimestamp(text);
      if (Number.isNaN(t)) this.fail(unreadableTimestamp(text), line);
      const problem = timestampProblem(t);
      if (problem) this.fail(`timestamp "${text.trim()}" ${problem}`, line);
      this.timestamps.set(text, t);
    }
    const v = parseValue(fields[cols.value]!.trim());
    if (typeof v === 'string') this.fail(v, line);
    this.rows++;
    if (Number.isNaN(v)) {
      this.gaps++;
      return;
    }
    if (v < 0) this.fail(`value ${v} is negative`, line);
    if (v > MAX_PERCENT && (metric === 'cpu_percent' || metric === 'memory_percent')) this.fail(`${metric} ${v} is above 100`, line);
    let byMetric = this.series.get(resource);
    if (!byMetric) this.series.set(resource, (byMetric = new Map<UsageMetric, { t: number[]; v: number[] }>()));
    let s = byMetric.get(metric as UsageMetric);
    if (!s) byMetric.set(metric as UsageMetric, (s = { t: [], v: [] }));
    s.t.push(t);
    s.v.push(v);
  }

  finish(): Map<string, Map<UsageMetric, Series>> {
    if (!this.columns) throw new StackfitError(`empty file: expected a header ${CSV_COLUMNS.join(',')}`, this.file);
    if (this.series.size === 0) throw new StackfitError('no usage rows after the header', this.file);
    const out = new Map<string, Map<UsageMetric, Series>>();
    for (const [resource, byMetric] of this.series) {
      out.set(resource, new Map([...byMetric].map(([m, s]) => [m, normalizeSeries(s)])));
    }
    return out;
  }
}

/** csv-parse set up as the usage CSV is read: BOM, `#` comment lines, empty lines, quotes inside fields kept. */
const CSV_PARSE_OPTIONS: Options = {
  bom: true,
  comment: '#',
  comment_no_infix: true,
  skip_empty_lines: true,
  relax_column_count: true,
  relax_quotes: true,
};

/** csv-parse's own errors, as the hand-written parser words them (`file:line`). */
function mappedError(err: unknown, file: string): unknown {
  // Duck-typed: csv-parse's CommonJS entry points ('csv-parse', 'csv-parse/sync') each bundle their own CsvError class.
  if (!(err instanceof Error)) return err;
  const { code, lines } = err as Partial<Pick<CsvError, 'code'>> & { lines?: unknown };
  if (typeof code !== 'string' || lines === undefined) return err;
  const line = Number(lines);
  const message =
    code === 'CSV_QUOTE_NOT_CLOSED'
      ? 'unterminated quoted field'
      : code === 'CSV_INVALID_CLOSING_QUOTE'
        ? 'unexpected text after a quoted field'
        : `${code}: ${err.message}`;
  return new StackfitError(message, `${file}:${line}`);
}

async function readWithCsvParseStream(file: string): Promise<Map<string, Map<UsageMetric, Series>>> {
  const checker = new RowChecker(file);
  const parser = parseStream({
    ...CSV_PARSE_OPTIONS,
    on_record: (record: string[], context) => {
      checker.row(record, context.lines);
      return null;
    },
  });
  const sink = new Writable({ objectMode: true, write: (_chunk, _enc, done) => done() });
  try {
    await pipeline(createReadStream(file), parser, sink);
  } catch (err) {
    throw mappedError(err, file);
  }
  return checker.finish();
}

function readWithCsvParseSync(file: string, input?: Buffer): Map<string, Map<UsageMetric, Series>> {
  const checker = new RowChecker(file);
  try {
    parseSync(input ?? readFileSync(file), {
      ...CSV_PARSE_OPTIONS,
      on_record: (record: string[], context) => {
        checker.row(record, context.lines);
        return null;
      },
    });
  } catch (err) {
    throw mappedError(err, file);
  }
  return checker.finish();
}

function rowsOf(resources: Map<string, Map<UsageMetric, Series>>): number {
  let n = 0;
  for (const byMetric of resources.values()) for (const s of byMetric.values()) n += s.t.length;
  return n;
}

async function timed(label: string, run: () => Promise<Map<string, Map<UsageMetric, Series>>>): Promise<{ ms: number; rows: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const resources = await run();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const rows = rowsOf(resources);
  process.stdout.write(
    `${label.padEnd(22)} ${rows.toLocaleString('en')} rows, ${resources.size} resources in ${(ms / 1000).toFixed(2)} s wall, ` +
      `${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU (${(((rows / ms) * 1000) / 1e6).toFixed(2)} M rows/s)\n`,
  );
  return { ms: (cpu.user + cpu.system) / 1000, rows };
}

const HOSTILE: [string, string][] = [
  ['ragged row (3 fields)', 'timestamp,resource,metric,value\n2026-10-01T00:00:00Z,web,cpu_cores,1\n2026-10-01T01:00:00Z,web,cpu_cores\n'],
  ['extra field', 'timestamp,resource,metric,value\n2026-10-01T00:00:00Z,web,cpu_cores,1,9\n'],
  [
    'unterminated quote, more lines after',
    'timestamp,resource,metric,value\n2026-10-01T00:00:00Z,"web,cpu_cores,1\n2026-10-01T01:00:00Z,web,cpu_cores,2\n',
  ],
  ['text after a quoted field', 'timestamp,resource,metric,value\n2026-10-01T00:00:00Z,"web"x,cpu_cores,1\n'],
  ['non-numeric value', 'timestamp,resource,metric,value\n2026-10-01T00:00:00Z,web,cpu_cores,1\n2026-10-01T01:00:00Z,web,cpu_cores,abc\n'],
  ['BOM + CRLF (valid)', '\ufefftimestamp,resource,metric,value\r\n2026-10-01T00:00:00Z,"a ""quoted"" name",cpu_cores,1\r\n'],
];

function outcome(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--workloads');
  const count = at > 0 ? Number(process.argv[at + 1]) : 10_000;
  const dir = mkdtempSync(path.join(tmpdir(), 'stackfit-bench-csv-'));
  try {
    const file = path.join(dir, 'usage.csv');
    writeUsageCsv(file, benchUsage(count));
    const bytes = statSync(file).size;
    process.stdout.write(`input: ${count} workloads, ${(bytes / 2 ** 20).toFixed(0)} MiB CSV (quoted URNs, ISO timestamps)\n`);

    // Timed once each on the whole file (14 M rows is long enough for the JIT to settle).
    const hand = await timed('hand-written', () => Promise.resolve(readUsageFile(file).resources));
    const stream = await timed('csv-parse stream', () => readWithCsvParseStream(file));
    let sync: { ms: number; rows: number } | undefined;
    if (bytes <= 512 * 2 ** 20) sync = await timed('csv-parse sync', () => Promise.resolve(readWithCsvParseSync(file)));
    else process.stdout.write('csv-parse sync         skipped: the file is over 512 MiB and the sync API holds it all in memory\n');
    for (const r of [stream, sync]) if (r && r.rows !== hand.rows) throw new Error(`row counts differ: ${r.rows} vs ${hand.rows}`);
    process.stdout.write(
      `CPU time vs hand-written: csv-parse stream ${(stream.ms / hand.ms).toFixed(1)}×` +
        (sync ? `, csv-parse sync ${(sync.ms / hand.ms).toFixed(1)}×` : '') +
        '\n\nhostile inputs (message of each reader):\n',
    );
    for (const [label, text] of HOSTILE) {
      const f = path.join(dir, 'hostile.csv');
      writeFileSync(f, text);
      const a = outcome(() => readUsageFile(f));
      const b = outcome(() => readWithCsvParseSync(f));
      process.stdout.write(`- ${label}: ${a === b ? 'same' : 'DIFFERENT'}\n    hand-written: ${a}\n    csv-parse:    ${b}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/csv.ts: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
