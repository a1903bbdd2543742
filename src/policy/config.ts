import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

export const PACK_NAME = 'stackfit';

/**
 * Where a policy's documentation lives: docs/policy-pack.md in the package's GitHub repository
 * (package.json `repository`). Without a GitHub repository the policies carry no URL rather
 * than a made-up one.
 */
export function policyDocsUrl(anchor: string, startDir: string = __dirname): string | undefined {
  let dir = startDir;
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; repository?: string | { url?: string } };
        if (pkg.name === 'stackfit') {
          const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
          const m = repo ? (/github\.com[/:]([^/]+)\/([^/#]+?)(?:\.git)?$/.exec(repo) ?? /^github:([^/]+)\/(.+)$/.exec(repo)) : null;
          return m ? `https://github.com/${m[1]}/${m[2]}/blob/HEAD/docs/policy-pack.md#${anchor}` : undefined;
        }
      } catch {
        return undefined;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Edit distance with adjacent transpositions (optimal string alignment): `maxMonthyCost` → `maxMonthlyCost` is 1. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest known key to a typo (case-insensitive, within a third of its length), if any. */
export function didYouMean(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(1, Math.floor(best.name.length / 3)) ? best.name : undefined;
}

/**
 * `unknown property "maxMonthyCost" (did you mean "maxMonthlyCost"?; known: …)`, or undefined.
 * The Pulumi CLI validates policy config against the configSchema's properties only (no
 * additionalProperties), so a misspelt key would otherwise reach the pack and do nothing.
 */
export function unknownPropertiesMessage(keys: readonly string[], known: readonly string[]): string | undefined {
  const unknown = keys.filter((k) => !known.includes(k));
  if (unknown.length === 0) return undefined;
  return unknown
    .map((k) => {
      const hint = didYouMean(k, known);
      return `unknown property "${k}"${hint ? ` (did you mean "${hint}"?)` : ''}`;
    })
    .join('; ')
    .concat(`; known properties: ${known.join(', ')}`);
}

/**
 * Reads a policy's config inside the pack. The CLI has checked types against the configSchema
 * but lets unknown keys through: those are rejected here, loudly, with a did-you-mean.
 */
export function readPolicyConfig<T extends z.ZodObject>(policy: string, schema: T, raw: unknown): z.infer<T> {
  if (raw !== null && typeof raw === 'object') {
    const message = unknownPropertiesMessage(Object.keys(raw), Object.keys(schema.shape));
    if (message) throw new Error(`invalid config for ${policy}: ${message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`invalid config for ${policy}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}
