import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { register } from '../../src/cli/pr';
import { loadConfig } from '../../src/config/index';
import { DEFAULT_MAX_STEP_DOWN } from '../../src/optimize/choices';
import { REPO_ROOT } from './helpers';

/**
 * The demo PR bodies read as a reviewer would (issue 9): properties of the rendered text, not a
 * snapshot. Every move states its one-off cost, a payback within `migration.maxPaybackMonths`
 * and that the VMs are replaced (new disks and addresses); every increase says why; every count
 * change says why; no cut is deeper than `maxStepDown` (a capped one says "step 1 of N").
 */
async function dryRunBody(args: string[]): Promise<string> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    const program = new Command('stackfit').exitOverride();
    register(program);
    await program.parseAsync(['node', 'stackfit', 'pr', '--demo', ...args, '--dry-run']);
  } finally {
    spy.mockRestore();
  }
  const text = written.join('');
  return text.slice(text.indexOf('<!-- stackfit:fingerprint='));
}

interface Row {
  name: string;
  countFrom?: number;
  countTo?: number;
  from: { size: string; vcpu: number; gib: number };
  to: { size: string; vcpu: number; gib: number };
  where: string;
  delta: number;
}

/** The rows of the "Changes" table (workloads; node pools have their own table). */
function changeRows(body: string): Row[] {
  const rows: Row[] = [];
  const re =
    /^\| `([^`]+)`(?: \(×(\d+)(?: → ×(\d+))?\))? \| `([^`]+)` \((\d+(?:\.\d+)?) vCPU, (\d+(?:\.\d+)?) GiB\) → `([^`]+)` \((\d+(?:\.\d+)?) vCPU, (\d+(?:\.\d+)?) GiB\) \| ([^|]+) \| [^|]+ \| ([+-]\$[\d,.]+) \|/gm;
  for (const m of body.matchAll(re)) {
    const count = m[2] !== undefined ? Number(m[2]) : 1;
    rows.push({
      name: m[1]!,
      ...(m[3] !== undefined && { countFrom: count, countTo: Number(m[3]) }),
      from: { size: m[4]!, vcpu: Number(m[5]), gib: Number(m[6]) },
      to: { size: m[7]!, vcpu: Number(m[8]), gib: Number(m[9]) },
      where: m[10]!.trim(),
      delta: Number(m[11]!.replace(/[$,]/g, '')),
    });
  }
  return rows;
}

/** The bullets of the "Moves, counts, increases and steps" section about one workload. */
const bulletsOf = (body: string, name: string): string[] => body.split('\n').filter((l) => l.startsWith(`- \`${name}\``));

function checkBody(body: string, maxPaybackMonths: number): Row[] {
  const rows = changeRows(body);
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    const bullets = bulletsOf(body, row.name);
    if (row.where.includes('→')) {
      const move = bullets.find((b) => b.includes(' moves '));
      expect(move, `${row.name}: a move without its one-off cost line`).toBeDefined();
      expect(move).toMatch(/one-off \$[\d,.]+/);
      expect(move).toContain('The VMs are replaced: new disks');
      expect(move).toContain('new IP addresses');
      const payback = /paid back in ([\d.]+) months (against|from)/.exec(move!);
      expect(payback, `${row.name}: a move without its payback`).not.toBeNull();
      expect(Number(payback![1])).toBeLessThanOrEqual(maxPaybackMonths);
    }
    if (row.delta > 0)
      expect(
        bullets.some((b) => b.includes(' costs +$')),
        `${row.name}: an increase without its reason`,
      ).toBe(true);
    if (row.countTo !== undefined)
      expect(
        bullets.some((b) => b.includes(`${row.countFrom} → ${row.countTo} instances`)),
        `${row.name}: a count change without its reason`,
      ).toBe(true);
    // No cut beyond maxStepDown in total vCPU or GiB; a capped cut says which step it is.
    const before = row.countFrom ?? 1;
    const after = row.countTo ?? before;
    const cut = Math.max((before * row.from.vcpu) / (after * row.to.vcpu), (before * row.from.gib) / (after * row.to.gib));
    expect(cut, `${row.name}: cut ${cut}× in one step`).toBeLessThanOrEqual(DEFAULT_MAX_STEP_DOWN + 1e-9);
    const step = bullets.find((b) => /step \d+ of \d+/.test(b));
    if (step) expect(step).toMatch(/step 1 of [2-9]/);
    checkMemoryNeed(body, row.name);
  }
  return rows;
}

/**
 * The memory cell explains its need with the rule in the Sizing cell: a percentile + headroom need
 * is that much above the peak shown; a need set by the observed peak shows that peak, not the
 * forecast's (the cache once read "peak 3.78 · need 17.81" under "mem P99.5 + 20%").
 */
function checkMemoryNeed(body: string, name: string): void {
  const line = body.split('\n').find((l) => l.startsWith(`| \`${name}\``))!;
  const cells = line.split(' | ');
  const memory = /(observed peak|peak) ([\d.]+) · need ([\d.]+)/.exec(cells[6]!);
  if (!memory) return; // no memory metric: "n/a"
  const [, label, peak, need] = memory;
  const rule = /mem P[\d.]+ \+ ([\d.]+)%|mem: observed peak/.exec(cells[7]!);
  expect(rule, `${name}: the sizing cell names the memory rule`).not.toBeNull();
  if (label === 'observed peak') {
    expect(rule![0], `${name}: an observed-peak need under a percentile rule`).toBe('mem: observed peak');
    expect(Number(need)).toBeGreaterThanOrEqual(Number(peak));
  } else {
    expect(rule![1], `${name}: a forecast-peak cell under the observed-peak rule`).toBeDefined();
    const expected = Number(peak) * (1 + Number(rule![1]) / 100);
    expect(Math.abs(Number(need) - expected), `${name}: need ${need} is not peak ${peak} + ${rule![1]}%`).toBeLessThanOrEqual(
      0.02 + expected * 0.01,
    );
  }
}

describe('the demo PR bodies, read as a reviewer would', () => {
  const maxPaybackMonths = loadConfig(path.join(REPO_ROOT, 'stackfit.yaml')).migration.maxPaybackMonths;

  it('prod: moves pay back with their one-off cost shown, increases and count changes say why, cuts are capped', async () => {
    const body = await dryRunBody([]);
    const rows = checkBody(body, maxPaybackMonths);
    // Counts change where that is cheaper: the count line names today's count's cheapest fit, dearer.
    const counted = rows.filter((r) => r.countTo !== undefined);
    expect(counted.length).toBeGreaterThan(0);
    for (const row of counted) {
      const line = bulletsOf(body, row.name).find((b) => b.includes(' instances of '))!;
      const m = /at \$([\d,]+(?:\.\d+)?)\/month, against \$([\d,]+(?:\.\d+)?)/.exec(line);
      expect(m, `${row.name}: the count line compares with today's count`).not.toBeNull();
      expect(Number(m![1]!.replace(/,/g, ''))).toBeGreaterThan(Number(m![2]!.replace(/,/g, '')));
    }
  });

  it('prod with --lookback 14: the same properties on two weeks of history, no line left out of a short body', async () => {
    const body = await dryRunBody(['--lookback', '14']);
    checkBody(body, maxPaybackMonths);
    expect(body).not.toContain('left out');
  });
});
