/**
 * Parsers for usage files (CSV long form and JSON) into raw series per resource and metric.
 * Pure: they take text and return data; reading the file is the caller's job. The CSV parser
 * is incremental (feed chunks) and hand-written for speed: a 14-million-row file parses in
 * seconds, which a generic CSV library does not manage.
 */
import { StackfitError } from '../../model';
import type { Series } from '../../model';
import { normalizeSeries } from '../index';
import { CSV_COLUMNS, USAGE_METRICS, usageJsonSchema } from './schema';
import type { UsageMetric } from './schema';

/** Raw usage: resource → metric → series (sorted, duplicate timestamps merged). */
export interface RawUsage {
  resources: Map<string, Map<UsageMetric, Series>>;
  /** Rows (or points) read per resource, for reporting unmatched resources. */
  rowsPerResource: Map<string, number>;
  /** Rows with an empty value: gaps, skipped. */
  gaps: number;
  /** Per resource and metric, the largest value and where it is (`file:line` or `file: JSON path`), for plausibility warnings. */
  peaks: Map<string, Map<UsageMetric, { value: number; where: string }>>;
}

const METRIC_SET: ReadonlySet<string> = new Set(USAGE_METRICS);

/** Unix seconds below this are seconds; above, milliseconds (10^11 s is the year 5138). */
const SECONDS_LIMIT = 1e11;
/** Milliseconds at or above this (the year 5138) can only be micro- or nanoseconds. */
const MILLISECONDS_LIMIT = 1e14;
/** Usage samples lie between 1970 and 2200: anything else is a unit or typing error. */
const LATEST_MS = Date.UTC(2200, 0, 1);
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
/** Unix time as plain decimal digits (no sign, hex, exponent or spaces inside). */
const UNIX_NUMBER = /^\d+(?:\.\d+)?$/;
/** A decimal number as people write it; `Number()` also takes hex, octal, binary and `Infinity`, which a usage value never is. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses a timestamp to Unix milliseconds, or NaN. ISO 8601 without an offset is read as UTC
 * (not local time, which `Date.parse` would assume). Impossible calendar dates (2026-02-30,
 * which `Date.parse` rolls over to 2 March) are NaN.
 */
export function parseTimestamp(text: string | number): number {
  if (typeof text === 'number') return Number.isFinite(text) ? (Math.abs(text) < SECONDS_LIMIT ? text * 1000 : text) : NaN;
  const s = text.trim();
  if (s === '') return NaN;
  if (UNIX_NUMBER.test(s) && (s.length < 10 || !s.includes('-'))) return parseTimestamp(Number(s));
  const m = ISO_8601.exec(s);
  if (!m) return NaN;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return NaN;
  const hasTime = s.length > 10;
  const iso = hasTime && m[7] === undefined ? `${s.replace(' ', 'T')}Z` : s.replace(' ', 'T');
  return Date.parse(hasTime ? iso : `${s}T00:00:00Z`);
}

/** The message for a timestamp `parseTimestamp` could not read. */
export function unreadableTimestamp(text: string): string {
  const s = text.trim();
  return ISO_8601.test(s)
    ? `timestamp "${s}" is not a real date and time`
    : `timestamp "${s}" is neither ISO 8601 nor Unix seconds/milliseconds`;
}

/** Why a parsed timestamp cannot be a usage sample (undefined when it can). */
export function timestampProblem(ms: number): string | undefined {
  if (ms >= MILLISECONDS_LIMIT)
    return 'is too large for Unix seconds or milliseconds (microseconds or nanoseconds? divide by 1000 or 10^6)';
  if (ms < 0 || ms >= LATEST_MS) return `is ${new Date(ms).toISOString().slice(0, 10)}, outside 1970–2200`;
  return undefined;
}

/** Reads a usage value: a decimal, NaN for empty (a gap), or the reason it is not one (a string). */
export function parseValue(text: string): number | string {
  if (text === '') return NaN;
  if (!DECIMAL.test(text)) return `value "${text}" is not a number`;
  const v = Number(text);
  if (!Number.isFinite(v)) return `value "${text}" is not a number`;
  return v;
}

interface SeriesEntry {
  t: number[];
  v: number[];
  peak: number;
  /** Where the peak is: a CSV line number, or a JSON path. */
  peakAt: number | string;
}

interface ResourceEntry {
  rows: number;
  metrics: Map<UsageMetric, SeriesEntry>;
}

/** Percentages above this are impossible (100 % plus rounding of the exporter). */
export const MAX_PERCENT = 101;

class Accumulator {
  readonly resources = new Map<string, ResourceEntry>();
  gaps = 0;
  private lastKey = '';
  private lastEntry: ResourceEntry | undefined;
  private lastMetric = '';
  private last: SeriesEntry | undefined;

  constructor(private readonly file: string) {}

  /** Counts a row for a resource; rows usually come grouped by resource, so cache the last one. */
  private entry(resource: string): ResourceEntry {
    if (this.lastEntry !== undefined && resource === this.lastKey) return this.lastEntry;
    let entry = this.resources.get(resource);
    if (!entry) this.resources.set(resource, (entry = { rows: 0, metrics: new Map() }));
    this.lastKey = resource;
    this.lastEntry = entry;
    this.last = undefined;
    return entry;
  }

  count(resource: string): void {
    this.entry(resource).rows++;
  }

  /** Adds a sample; `at` says where it is (line or JSON path) and is kept only for the peak. */
  add(resource: string, metric: UsageMetric, t: number, v: number, at: number | string): void {
    const entry = this.entry(resource);
    if (this.last === undefined || metric !== this.lastMetric) {
      let series = entry.metrics.get(metric);
      if (!series) entry.metrics.set(metric, (series = { t: [], v: [], peak: -1, peakAt: 0 }));
      this.last = series;
      this.lastMetric = metric;
    }
    this.last.t.push(t);
    this.last.v.push(v);
    if (v > this.last.peak) {
      this.last.peak = v;
      this.last.peakAt = at;
    }
  }

  finish(): RawUsage {
    const resources = new Map<string, Map<UsageMetric, Series>>();
    const rowsPerResource = new Map<string, number>();
    const peaks: RawUsage['peaks'] = new Map();
    for (const [resource, entry] of this.resources) {
      rowsPerResource.set(resource, entry.rows);
      if (entry.metrics.size === 0) continue;
      const out = new Map<UsageMetric, Series>();
      const peak = new Map<UsageMetric, { value: number; where: string }>();
      for (const [metric, series] of entry.metrics) {
        out.set(metric, normalizeSeries({ t: series.t, v: series.v }));
        peak.set(metric, {
          value: series.peak,
          where: typeof series.peakAt === 'number' ? `${this.file}:${series.peakAt}` : `${this.file}: ${series.peakAt}`,
        });
      }
      resources.set(resource, out);
      peaks.set(resource, peak);
    }
    return { resources, rowsPerResource, gaps: this.gaps, peaks };
  }
}

/** Where each column of the usage CSV is, and how many fields a row has. */
export interface UsageCsvColumns {
  timestamp: number;
  resource: number;
  metric: number;
  value: number;
  count: number;
}

/** The columns a header names (case and spaces ignored, in any order), or why it is not a usage CSV header. */
export function usageCsvColumns(fields: readonly string[]): UsageCsvColumns | string {
  const names = fields.map((f) => f.trim().toLowerCase());
  const missing = CSV_COLUMNS.find((name) => !names.includes(name));
  if (missing !== undefined) return `missing column "${missing}" in header (expected ${CSV_COLUMNS.join(',')}, found ${fields.join(',')})`;
  const at = (name: string): number => names.indexOf(name);
  return { timestamp: at('timestamp'), resource: at('resource'), metric: at('metric'), value: at('value'), count: fields.length };
}

const MAX_FIELDS = 64;
/** No usage row is anywhere near this long: a longer one is not a usage CSV (or `/dev/zero`), and must not grow without bound. */
export const MAX_LINE_BYTES = 1024 * 1024;
const TIMESTAMP_CACHE_LIMIT = 100_000;
const EMPTY = Buffer.alloc(0);
/** Exact powers of ten (10^0 … 10^22 are exactly representable as doubles). */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

function bytesEqual(b: Buffer, start: number, end: number, ref: Buffer): boolean {
  const len = end - start;
  if (len !== ref.length) return false;
  for (let i = 0; i < len; i++) if (b[start + i] !== ref[i]) return false;
  return true;
}

/**
 * A plain decimal (`12`, `0.0473333`, `+3.5`) of at most 15 significant digits, read exactly:
 * an integer mantissa below 2^53 divided by an exact power of ten is correctly rounded, so the
 * result equals `Number(text)` (Clinger's fast path). NaN when the text is anything else
 * (exponent, sign, too many digits, junk): the caller then falls back to `Number`.
 */
function fastDecimal(b: Buffer, start: number, end: number): number {
  let i = start;
  if (i < end && b[i] === 43) i++;
  if (i === end) return NaN;
  let mantissa = 0;
  let significant = 0;
  let fraction = -1;
  let digits = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c >= 48 && c <= 57) {
      digits++;
      if (significant > 0 || c !== 48) {
        if (++significant > 15) return NaN;
        mantissa = mantissa * 10 + (c - 48);
      }
      if (fraction >= 0) fraction++;
    } else if (c === 46 && fraction < 0) fraction = 0;
    else return NaN;
  }
  if (digits === 0 || fraction > 22) return NaN;
  return fraction > 0 ? mantissa / POW10[fraction]! : mantissa;
}

/**
 * Incremental parser of the CSV long form `timestamp,resource,metric,value`. Feed bytes (or
 * text) with `push`, in any chunking, and call `end`. Errors name the file and the 1-based line.
 *
 * It works on the raw bytes, because decoding a multi-gigabyte file into strings costs more than
 * parsing it: field boundaries are found in place; a resource, metric or timestamp that repeats
 * the previous row's (files list each resource over the same timestamps) is compared byte by
 * byte and not decoded again; plain decimals are read without making a string.
 */
export class UsageCsvParser {
  private pending: Buffer = EMPTY;
  private started = false;
  private line = 0;
  private columns: UsageCsvColumns | undefined;
  private readonly acc: Accumulator;
  private readonly starts = new Int32Array(MAX_FIELDS);
  private readonly ends = new Int32Array(MAX_FIELDS);
  private bytes: Buffer = EMPTY;
  /** Fields of the current line when it needed the slow path (doubled quotes). */
  private slow: string[] | undefined;
  /** Distinct timestamp texts in first-seen order, their values, and where the last row was. */
  private readonly timestampIndex = new Map<string, number>();
  private readonly timestampBytes: Buffer[] = [];
  private readonly timestampValues: number[] = [];
  private timestampPos = -1;
  private lastResourceBytes: Buffer | undefined;
  private lastResource = '';
  private lastMetricBytes: Buffer | undefined;
  private lastMetric: UsageMetric = 'cpu_cores';

  constructor(private readonly file: string) {
    this.acc = new Accumulator(file);
  }

  /** Feeds the next chunk. A Buffer is not kept after the call, so the caller may reuse it. */
  push(chunk: string | Buffer): void {
    let data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (!this.started) {
      if (this.pending.length + data.length < 3 && data.length > 0) {
        this.pending = Buffer.concat([this.pending, data]);
        return;
      }
      if (this.pending.length > 0) {
        data = Buffer.concat([this.pending, data]);
        this.pending = EMPTY;
      }
      if (data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) data = data.subarray(3); // BOM
      this.started = data.length > 0 || this.started;
    }
    let start = 0;
    if (this.pending.length > 0) {
      // The line split across chunks: join just that line.
      const nl = data.indexOf(10);
      if (nl < 0) {
        this.pending = Buffer.concat([this.pending, data]);
        this.checkPendingLength();
        return;
      }
      const joined = Buffer.concat([this.pending, data.subarray(0, nl)]);
      this.pending = EMPTY;
      this.processLine(joined, 0, joined.length);
      start = nl + 1;
    }
    for (;;) {
      const nl = data.indexOf(10, start);
      if (nl < 0) break;
      this.processLine(data, start, nl);
      start = nl + 1;
    }
    this.pending = start < data.length ? Buffer.from(data.subarray(start)) : EMPTY;
    this.checkPendingLength();
  }

  private checkPendingLength(): void {
    if (this.pending.length <= MAX_LINE_BYTES) return;
    this.line++;
    this.fail(`line longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB: not a usage CSV`);
  }

  end(): RawUsage {
    if (this.pending.length > 0) {
      const rest = this.pending;
      this.pending = EMPTY;
      this.processLine(rest, 0, rest.length);
    }
    if (!this.columns) throw new StackfitError(`empty file: expected a header ${CSV_COLUMNS.join(',')}`, this.file);
    if (this.acc.resources.size === 0) throw new StackfitError('no usage rows after the header', this.file);
    return this.acc.finish();
  }

  private fail(message: string): never {
    throw new StackfitError(message, `${this.file}:${this.line}`);
  }

  /** Finds field boundaries of b[from, to) in place; -1 when the line needs the slow path. */
  private scan(b: Buffer, from: number, to: number): number {
    const { starts, ends } = this;
    let n = 0;
    let i = from;
    for (;;) {
      if (n >= MAX_FIELDS) this.fail(`more than ${MAX_FIELDS} fields`);
      if (b[i] === 34 /* " */) {
        // Native search; it can only run past the line when the quote is unterminated (an error).
        const q = b.indexOf(34, i + 1);
        if (q < 0 || q >= to) this.fail('unterminated quoted field');
        if (q + 1 < to && b[q + 1] === 34) return -1; // "" escape inside: slow path
        starts[n] = i + 1;
        ends[n] = q;
        n++;
        if (q + 1 === to) return n;
        if (b[q + 1] !== 44) this.fail('unexpected text after a quoted field');
        i = q + 2;
      } else {
        let c = b.indexOf(44, i);
        if (c < 0 || c > to) c = to;
        starts[n] = i;
        ends[n] = c;
        n++;
        if (c >= to) return n;
        i = c + 1;
      }
      if (i === to) {
        starts[n] = to;
        ends[n] = to;
        return n + 1;
      }
    }
  }

  private field(k: number): string {
    return this.slow ? this.slow[k]! : this.bytes.toString('utf8', this.starts[k], this.ends[k]);
  }

  private fieldBytes(k: number): Buffer {
    return this.slow ? Buffer.from(this.slow[k]!, 'utf8') : Buffer.from(this.bytes.subarray(this.starts[k], this.ends[k]));
  }

  private fieldIs(k: number, ref: Buffer | undefined): boolean {
    if (ref === undefined || this.slow) return false;
    return bytesEqual(this.bytes, this.starts[k]!, this.ends[k]!, ref);
  }

  /**
   * The timestamp of the current row. The next row's timestamp is most often the one after the
   * previous row's in first-seen order, or the first one: checked in place. Otherwise a map
   * lookup, else a parse.
   */
  private timestamp(col: number): number {
    const known = this.timestampBytes;
    const next = this.timestampPos + 1;
    if (next < known.length && this.fieldIs(col, known[next])) {
      this.timestampPos = next;
      return this.timestampValues[next]!;
    }
    if (known.length > 0 && this.fieldIs(col, known[0])) {
      this.timestampPos = 0;
      return this.timestampValues[0]!;
    }
    const text = this.field(col);
    const index = this.timestampIndex.get(text);
    if (index !== undefined) {
      this.timestampPos = index;
      return this.timestampValues[index]!;
    }
    const t = parseTimestamp(text);
    if (Number.isNaN(t)) this.fail(unreadableTimestamp(text));
    const problem = timestampProblem(t);
    if (problem) this.fail(`timestamp "${text.trim()}" ${problem}`);
    if (known.length < TIMESTAMP_CACHE_LIMIT) {
      this.timestampIndex.set(text, known.length);
      this.timestampPos = known.length;
      known.push(this.fieldBytes(col));
      this.timestampValues.push(t);
    }
    return t;
  }

  private value(col: number): number {
    if (!this.slow) {
      let s = this.starts[col]!;
      let e = this.ends[col]!;
      const b = this.bytes;
      while (s < e && b[s] === 32) s++;
      while (e > s && b[e - 1] === 32) e--;
      if (s === e) return NaN;
      const fast = fastDecimal(b, s, e);
      if (!Number.isNaN(fast)) return fast;
    }
    const v = parseValue(this.field(col).trim());
    if (typeof v === 'string') this.fail(v);
    return v;
  }

  private processLine(b: Buffer, from: number, to: number): void {
    this.line++;
    if (to > from && b[to - 1] === 13) to--; // CRLF
    if (to === from) return;
    if (b[from] === 35 /* # */) return; // comment line
    this.bytes = b;
    this.slow = undefined;
    let count = this.scan(b, from, to);
    if (count < 0) {
      this.slow = this.splitQuoted(b.toString('utf8', from, to));
      count = this.slow.length;
    }
    if (!this.columns) {
      const names: string[] = [];
      for (let k = 0; k < count; k++) names.push(this.field(k));
      this.readHeader(names);
      return;
    }
    const cols = this.columns;
    if (count !== cols.count) this.fail(`expected ${cols.count} fields (${CSV_COLUMNS.join(',')}), found ${count}`);

    let resource: string;
    if (this.fieldIs(cols.resource, this.lastResourceBytes)) resource = this.lastResource;
    else {
      resource = this.field(cols.resource).trim();
      if (resource === '') this.fail('resource is empty');
      this.lastResourceBytes = this.slow ? undefined : this.fieldBytes(cols.resource);
      this.lastResource = resource;
    }

    let metric: UsageMetric;
    if (this.fieldIs(cols.metric, this.lastMetricBytes)) metric = this.lastMetric;
    else {
      const name = this.field(cols.metric).trim();
      if (!METRIC_SET.has(name)) this.fail(`unknown metric "${name}" (expected one of ${USAGE_METRICS.join(', ')})`);
      metric = name as UsageMetric;
      this.lastMetricBytes = this.slow ? undefined : this.fieldBytes(cols.metric);
      this.lastMetric = metric;
    }

    const t = this.timestamp(cols.timestamp);
    const v = this.value(cols.value);
    this.acc.count(resource);
    if (Number.isNaN(v)) {
      this.acc.gaps++; // a gap stays a gap: never read as zero
      return;
    }
    if (v < 0) this.fail(`value ${v} is negative`);
    if (v > MAX_PERCENT && (metric === 'cpu_percent' || metric === 'memory_percent')) this.fail(`${metric} ${v} is above 100`);
    this.acc.add(resource, metric, t, v, this.line);
  }

  private readHeader(fields: string[]): void {
    const columns = usageCsvColumns(fields);
    if (typeof columns === 'string') this.fail(columns);
    this.columns = columns;
  }

  /** RFC 4180 fields of one line, with `""` escapes. Quoted newlines are not supported. */
  private splitQuoted(line: string): string[] {
    const out: string[] = [];
    const to = line.length;
    let i = 0;
    for (;;) {
      if (line.charCodeAt(i) === 34) {
        let value = '';
        let j = i + 1;
        for (;;) {
          const q = line.indexOf('"', j);
          if (q < 0) this.fail('unterminated quoted field');
          value += line.slice(j, q);
          if (line.charCodeAt(q + 1) === 34) {
            value += '"';
            j = q + 2;
          } else {
            j = q + 1;
            break;
          }
        }
        out.push(value);
        if (j >= to) return out;
        if (line.charCodeAt(j) !== 44) this.fail('unexpected text after a quoted field');
        i = j + 1;
      } else {
        const c = line.indexOf(',', i);
        if (c < 0) {
          out.push(line.slice(i));
          return out;
        }
        out.push(line.slice(i, c));
        i = c + 1;
      }
      if (i === to) {
        out.push('');
        return out;
      }
    }
  }
}

/** Parses the JSON form (see `usageJsonSchema`). Errors name the file and the JSON path. */
export function parseUsageJson(text: string, file: string): RawUsage {
  let data: unknown;
  try {
    // A byte-order mark is accepted as in CSV and YAML (Windows tools write one).
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new StackfitError(`not valid JSON: ${(err as Error).message}`, file);
  }
  const parsed = usageJsonSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '');
    throw new StackfitError(`${where || '(root)'}: ${issue.message}`, file);
  }
  const acc = new Accumulator(file);
  parsed.data.series.forEach((s, si) => {
    const resource = s.resource.trim();
    s.points.forEach(([ts, v], pi) => {
      const t = parseTimestamp(ts);
      if (Number.isNaN(t)) {
        throw new StackfitError(
          `series[${si}].points[${pi}][0]: ${typeof ts === 'string' ? unreadableTimestamp(ts) : `timestamp ${ts} is not Unix seconds/milliseconds`}`,
          file,
        );
      }
      const problem = timestampProblem(t);
      if (problem) throw new StackfitError(`series[${si}].points[${pi}][0]: timestamp ${JSON.stringify(ts)} ${problem}`, file);
      if (v !== null && v > MAX_PERCENT && (s.metric === 'cpu_percent' || s.metric === 'memory_percent')) {
        throw new StackfitError(`series[${si}].points[${pi}][1]: ${s.metric} ${v} is above 100`, file);
      }
      acc.count(resource);
      if (v === null) acc.gaps++;
      else acc.add(resource, s.metric, t, v, `series[${si}].points[${pi}]`);
    });
  });
  if (acc.resources.size === 0) throw new StackfitError('no usage series', file);
  return acc.finish();
}
