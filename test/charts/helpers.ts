/** Plan items with real usage (Bitbrains traces) digested as the pipeline digests it. */
import path from 'node:path';
import { digestUsage } from '../../src/charts/series';
import type { PlanItem } from '../../src/model';
import { readTraceFile } from '../../src/usage/traces';
import { planItem, SHARED_DATA, type ItemSpec } from '../gitops-edits/helpers';

const BITBRAINS = path.join(SHARED_DATA, 'traces/bitbrains-rnd-2013-07');

/** The whole recorded month of one Bitbrains VM (a 30-day window from its first sample). */
const usageCache = new Map<string, ReturnType<typeof readUsage>>();
export function bitbrainsUsage(vm: string) {
  const cached = usageCache.get(vm) ?? readUsage(vm);
  usageCache.set(vm, cached);
  return cached;
}

function readUsage(vm: string) {
  const trace = readTraceFile(path.join(BITBRAINS, `${vm}.csv`))[0]!;
  const start = trace.cpuCores.t[0]!;
  const window = { start, end: start + 30 * 24 * 3_600_000 };
  return { trace, window, digest: digestUsage(trace, window) };
}

/** `planItem` (real catalog prices, real evidence) carrying the VM's usage digest. */
export function itemWithUsage(spec: ItemSpec): PlanItem {
  const item = planItem(spec);
  item.demand!.usage = bitbrainsUsage(spec.vm ?? '28').digest;
  return item;
}

/** Names that try to break out of a Mermaid string, a code fence, a comment, HTML or a table. */
export const HOSTILE_NAMES = [
  'a"b',
  'x`y```z',
  'web --> db',
  '%%{init: {"theme":"dark"}}%%',
  'line1\nline2\n```\n<script>alert(1)</script>',
  "it's #quot; & <b>bold</b> | pipe; ] [ } {",
  '%% comment\nbar [999999]',
  '"]\n  line [1000, 1000]\n  title "owned',
];
