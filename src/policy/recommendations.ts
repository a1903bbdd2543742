import * as fs from 'node:fs';
import { z } from 'zod';
import { StackfitError } from '../model';

/**
 * The part of `stackfit recommend --format json` (src/report/json.ts) the pack reads. Extra
 * fields are allowed so that the report can grow without breaking the pack.
 */
const offering = z.looseObject({
  cloud: z.string(),
  region: z.string(),
  size: z.string().min(1),
  monthlyUsd: z.number().nonnegative().optional(),
});

export const recommendationItemSchema = z.looseObject({
  urn: z.string().min(1),
  workload: z.looseObject({ name: z.string().min(1), count: z.number().int().positive().optional() }),
  action: z.string().optional(),
  current: offering.nullable().optional(),
  chosen: offering.nullable().optional(),
  monthlyDelta: z.number().nullable().optional(),
  /** Node pools: the planned desired node count (the type and the count change together). */
  countAfter: z.number().int().nonnegative().optional(),
});

export const recommendationsSchema = z.looseObject({
  stack: z.string().nullable().optional(),
  generatedAt: z.string().optional(),
  totals: z.looseObject({ monthlyBefore: z.number(), monthlyAfter: z.number().optional() }).optional(),
  items: z.array(recommendationItemSchema),
});

export type RecommendationItem = z.infer<typeof recommendationItemSchema>;
export type Recommendations = z.infer<typeof recommendationsSchema> & {
  /** Where it was read from, for messages. */
  source: string;
};

export function parseRecommendations(json: unknown, source: string): Recommendations {
  const parsed = recommendationsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StackfitError(
      `not a stackfit recommendations file (stackfit recommend --format json): ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      source,
    );
  }
  return { ...parsed.data, source };
}

const cache = new Map<string, { mtimeMs: number; value: Recommendations }>();

/** Reads and validates a recommendations file; re-read only when it changes on disk. */
export function loadRecommendations(path: string): Recommendations {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch {
    throw new StackfitError('recommendations file not found (write it with `stackfit recommend --format json > FILE`)', path);
  }
  const hit = cache.get(path);
  if (hit && hit.mtimeMs === stat.mtimeMs) return hit.value;
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (err) {
    throw new StackfitError(`cannot read recommendations: ${(err as Error).message}`, path);
  }
  const value = parseRecommendations(json, path);
  cache.set(path, { mtimeMs: stat.mtimeMs, value });
  return value;
}

/** The recommendation for a resource: by URN, else by logical name when exactly one item has it. */
export function findRecommendation(recs: Recommendations, resource: { urn: string; name: string }): RecommendationItem | undefined {
  const byUrn = recs.items.find((i) => i.urn === resource.urn);
  if (byUrn) return byUrn;
  const byName = recs.items.filter((i) => i.workload.name === resource.name);
  return byName.length === 1 ? byName[0] : undefined;
}
