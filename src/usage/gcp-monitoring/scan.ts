/**
 * A single pass over one `timeSeries.list` page's JSON text that keeps only what stackfit reads
 * (each series' `resource.labels.instance_id`, each point's `interval.endTime` and
 * `value.doubleValue` / `value.int64Value`, and `nextPageToken`) without building an object per
 * point: at 100,000 points a page, `JSON.parse` allocates four objects and two strings a point,
 * and collecting them was most of the decode's CPU.
 *
 * Any JSON (whitespace, key order, escapes, fields it does not know) is read. It returns
 * undefined for what it does not recognise as a well-formed page — the caller then takes the
 * `JSON.parse` path, which reports precisely what is wrong — and never writes a partial page.
 */

/** One series part of a page: its instance (undefined without the label), end times and values, newest first. */
export interface ScannedSeries {
  instanceId: string | undefined;
  t: string[];
  v: number[];
}

export interface ScannedPage {
  series: ScannedSeries[];
  nextPageToken: string | undefined;
}

/** Not a page this scanner reads: the caller falls back to JSON.parse. */
class NotRecognised extends Error {}

const QUOTE = 34;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const BACKSLASH = 92;

class Scanner {
  i = 0;
  constructor(readonly s: string) {}

  ws(): void {
    const s = this.s;
    let c = s.charCodeAt(this.i);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++this.i);
  }

  peek(): number {
    this.ws();
    return this.s.charCodeAt(this.i);
  }

  expect(ch: string): void {
    if (this.peek() !== ch.charCodeAt(0)) throw new NotRecognised();
    this.i++;
  }

  string(): string {
    if (this.peek() !== QUOTE) throw new NotRecognised();
    const s = this.s;
    const start = ++this.i;
    let escaped = false;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (Number.isNaN(c)) throw new NotRecognised();
      if (c === BACKSLASH) {
        escaped = true;
        this.i += 2;
        continue;
      }
      if (c === QUOTE) break;
      this.i++;
    }
    const end = this.i++;
    return escaped ? (JSON.parse(s.slice(start - 1, end + 1)) as string) : s.slice(start, end);
  }

  /** A number, or (as JSON.parse would give it) a string, true, false or null; objects and arrays are skipped as undefined. */
  scalar(): number | string | boolean | null | undefined {
    const c = this.peek();
    if (c === QUOTE) return this.string();
    if (c === 123 /* { */ || c === 91 /* [ */) {
      this.skip();
      return undefined;
    }
    const start = this.i;
    const s = this.s;
    let d = s.charCodeAt(this.i);
    while (d === 45 || d === 43 || d === 46 || (d >= 48 && d <= 57) || d === 101 || d === 69 || (d >= 97 && d <= 122))
      d = s.charCodeAt(++this.i);
    const token = s.slice(start, this.i);
    if (token === 'null') return null;
    if (token === 'true' || token === 'false') return token === 'true';
    // JSON's number grammar exactly (Number() alone would take `0x10`, `+1` or `Infinity`).
    if (!JSON_NUMBER.test(token)) throw new NotRecognised();
    return Number(token);
  }

  /** Skips any value. */
  skip(): void {
    const c = this.peek();
    if (c === 123 /* { */) return this.object(() => this.skip());
    if (c === 91 /* [ */) return this.array(() => this.skip());
    this.scalar();
  }

  /** Calls `onKey` (which must consume the value) for each key of an object. */
  object(onKey: (key: string) => void): void {
    this.expect('{');
    if (this.peek() === 125 /* } */) {
      this.i++;
      return;
    }
    for (;;) {
      const key = this.string();
      this.expect(':');
      onKey(key);
      const c = this.peek();
      this.i++;
      if (c === 125) return;
      if (c !== 44 /* , */) throw new NotRecognised();
    }
  }

  array(onItem: () => void): void {
    this.expect('[');
    if (this.peek() === 93 /* ] */) {
      this.i++;
      return;
    }
    for (;;) {
      onItem();
      const c = this.peek();
      this.i++;
      if (c === 93) return;
      if (c !== 44) throw new NotRecognised();
    }
  }
}

/** A point's value as the JSON.parse path reads it: a number doubleValue, else Number(int64Value), else a gap (NaN). */
function pointValue(sc: Scanner): number {
  let double: unknown;
  let int64: unknown;
  sc.object((k) => {
    if (k === 'doubleValue') double = sc.scalar();
    else if (k === 'int64Value') int64 = sc.scalar();
    else sc.skip();
  });
  if (typeof double === 'number') return double;
  return int64 !== undefined ? Number(int64) : NaN;
}

function readSeries(sc: Scanner): ScannedSeries {
  const out: ScannedSeries = { instanceId: undefined, t: [], v: [] };
  let metricType = false;
  let resourceType = false;
  let labels = false;
  sc.object((key) => {
    if (key === 'metric')
      sc.object((k) => {
        if (k === 'type') metricType = typeof sc.scalar() === 'string';
        else sc.skip();
      });
    else if (key === 'resource')
      sc.object((k) => {
        if (k === 'type') resourceType = typeof sc.scalar() === 'string';
        else if (k === 'labels') {
          labels = true;
          sc.object((l) => {
            const value = sc.scalar();
            if (typeof value !== 'string') throw new NotRecognised();
            if (l === 'instance_id') out.instanceId = value;
          });
        } else sc.skip();
      });
    else if (key === 'points')
      sc.array(() => {
        let end: unknown;
        let value = NaN;
        sc.object((k) => {
          if (k === 'interval')
            sc.object((ik) => {
              if (ik === 'endTime') end = sc.scalar();
              else sc.skip();
            });
          else if (k === 'value') value = pointValue(sc);
          else sc.skip();
        });
        // A point without a string end time: the JSON.parse path names it.
        if (typeof end !== 'string') throw new NotRecognised();
        out.t.push(end);
        out.v.push(value);
      });
    else sc.skip();
  });
  if (!metricType || !resourceType || !labels) throw new NotRecognised();
  return out;
}

/** The page's series parts and next page token, or undefined when the text is not a page this scanner reads. */
export function scanPage(text: string): ScannedPage | undefined {
  const sc = new Scanner(text);
  const page: ScannedPage = { series: [], nextPageToken: undefined };
  try {
    sc.object((key) => {
      if (key === 'timeSeries') sc.array(() => page.series.push(readSeries(sc)));
      else if (key === 'nextPageToken') {
        const token = sc.scalar();
        if (typeof token !== 'string') throw new NotRecognised();
        page.nextPageToken = token;
      } else sc.skip();
    });
    sc.ws();
    if (sc.i !== text.length) return undefined;
  } catch (err) {
    if (err instanceof NotRecognised || err instanceof SyntaxError) return undefined;
    throw err;
  }
  return page;
}
