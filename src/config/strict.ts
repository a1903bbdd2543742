/**
 * Strictness at every level of `stackfit.yaml`: a key the schema does not know, at any depth
 * (`budget.maxMonthlyCosts`, `workloads.web.pinn`), is an error with the field, its line and a
 * "did you mean" for a near miss. Read from the schema itself, so keys added to the schema later
 * are known without touching this file; the schema's own objects may stay non-strict.
 */
import { distance } from 'fastest-levenshtein';
import type { z } from 'zod';

/** A near miss: at most this many edits (or the same key in another case). */
export const MAX_SUGGESTION_DISTANCE = 2;

export interface UnknownKey {
  /** Path of the unknown key, ending with the key itself. */
  path: (string | number)[];
  key: string;
  suggestion?: string;
  /**
   * No near miss at its own level, but the key (or a near miss) is known at another level:
   * where, as a dotted path (`allowMove` for `placement.allowMov`, `budget.maxMonthlyCost` for
   * `workloads.web.maxMonthlyCost`; `<name>` stands for a record's key).
   */
  elsewhere?: string;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  left?: z.ZodType;
  right?: z.ZodType;
  getter?: () => z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The object shapes a value at this schema may follow (several for a union), wrappers removed. */
function shapesOf(schema: z.ZodType, depth = 0): Def[] {
  if (depth > 20) return [];
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return def.innerType ? shapesOf(def.innerType, depth + 1) : [];
    case 'pipe':
      return def.in ? shapesOf(def.in, depth + 1) : [];
    case 'lazy':
      return def.getter ? shapesOf(def.getter(), depth + 1) : [];
    case 'union':
      return (def.options ?? []).flatMap((o) => shapesOf(o, depth + 1));
    case 'intersection':
      return [...(def.left ? shapesOf(def.left, depth + 1) : []), ...(def.right ? shapesOf(def.right, depth + 1) : [])];
    default:
      return [def];
  }
}

export function suggestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const [k, c] = [key.toLowerCase(), candidate.toLowerCase()];
    // Same key in another case, or a cut-off one (`minMonthlyDelta` for `minMonthlyDeltaUsd`).
    const d = k === c ? 0 : k.length >= 4 && c.startsWith(k) ? 1 : distance(key, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  // Short keys allow fewer edits: two edits turn `on` into `pr`.
  return bestDistance <= (key.length <= 3 ? 1 : MAX_SUGGESTION_DISTANCE) ? best : undefined;
}

/** Every key the schema knows, at any depth, with its dotted path (records as `<name>`, arrays as `[]`). */
export function schemaKeyPaths(schema: z.ZodType, prefix: string[] = [], depth = 0): { key: string; path: string[] }[] {
  // The config schema is a few levels deep; the bound only guards a recursive (lazy) schema.
  if (depth > 8) return [];
  const out: { key: string; path: string[] }[] = [];
  for (const d of shapesOf(schema)) {
    if (d.type === 'record' && d.valueType) out.push(...schemaKeyPaths(d.valueType, [...prefix, '<name>'], depth + 1));
    else if (d.type === 'array' && d.element) out.push(...schemaKeyPaths(d.element, [...prefix, '[]'], depth + 1));
    else if (d.type === 'object' && d.shape)
      for (const [k, s] of Object.entries(d.shape)) {
        out.push({ key: k, path: [...prefix, k] });
        out.push(...schemaKeyPaths(s, [...prefix, k], depth + 1));
      }
  }
  return out;
}

/**
 * A key put at the wrong level (`placement.allowMove`, `workloads.web.maxMonthlyCost`): the
 * closest key the root schema knows elsewhere, as a dotted path, by the same near-miss rule as
 * `suggestKey`; the shortest path wins a tie (the top level before a nested copy).
 */
function suggestElsewhere(key: string, parent: string, all: readonly { key: string; path: string[] }[]): string | undefined {
  const candidates = all.filter((c) => c.path.slice(0, -1).join('.') !== parent);
  const best = suggestKey(key, [...new Set(candidates.map((c) => c.key))]);
  if (best === undefined) return undefined;
  const paths = candidates.filter((c) => c.key === best).map((c) => c.path.join('.'));
  return paths.sort((a, b) => a.split('.').length - b.split('.').length || a.localeCompare(b))[0];
}

/** The parent path of a value path in schema terms: record keys become `<name>`, indices `[]`. */
function schemaParentOf(path: readonly (string | number)[], all: readonly { key: string; path: string[] }[]): string {
  const out: string[] = [];
  for (const p of path) {
    if (typeof p === 'number') out.push('[]');
    else
      out.push(
        all.some(
          (c) =>
            c.path.length === out.length + 1 && c.path[out.length] === '<name>' && c.path.slice(0, out.length).join('.') === out.join('.'),
        )
          ? '<name>'
          : p,
      );
  }
  return out.join('.');
}

/** Every key of `value` that `schema` does not know, at any depth, in document order. */
export function unknownKeys(value: unknown, schema: z.ZodType, path: (string | number)[] = []): UnknownKey[] {
  const found = unknownKeysAt(value, schema, path);
  if (found.every((u) => u.suggestion !== undefined)) return found;
  const all = schemaKeyPaths(schema);
  return found.map((u) => {
    if (u.suggestion !== undefined) return u;
    const elsewhere = suggestElsewhere(u.key, schemaParentOf(u.path.slice(path.length, -1), all), all);
    return elsewhere ? { ...u, elsewhere } : u;
  });
}

function unknownKeysAt(value: unknown, schema: z.ZodType, path: (string | number)[]): UnknownKey[] {
  const shapes = shapesOf(schema);
  if (shapes.length === 0) return [];
  if (Array.isArray(value)) {
    const arrays = shapes.filter((d) => d.type === 'array' && d.element);
    // An array under a union of array types: only the first is followed (none in stackfit.yaml).
    const element = arrays[0]?.element;
    return element ? value.flatMap((item, i) => unknownKeysAt(item, element, [...path, i])) : [];
  }
  if (value === null || typeof value !== 'object') return [];
  const entries = Object.entries(value as Record<string, unknown>);
  const records = shapes.filter((d) => d.type === 'record' && d.valueType);
  if (records.length > 0) return entries.flatMap(([k, v]) => unknownKeysAt(v, records[0]!.valueType!, [...path, k]));
  const objects = shapes.filter((d) => d.type === 'object' && d.shape);
  if (objects.length === 0 || objects.some((d) => d.catchall && defOf(d.catchall).type !== 'never')) return [];
  const known = new Map<string, z.ZodType[]>();
  for (const o of objects) for (const [k, s] of Object.entries(o.shape!)) known.set(k, [...(known.get(k) ?? []), s]);
  const out: UnknownKey[] = [];
  for (const [k, v] of entries) {
    const schemas = known.get(k);
    if (!schemas) {
      const suggestion = suggestKey(k, [...known.keys()]);
      out.push({ path: [...path, k], key: k, ...(suggestion && { suggestion }) });
      continue;
    }
    // Under a union of objects, a key is checked against the first variant that has it.
    out.push(...unknownKeysAt(v, schemas[0]!, [...path, k]));
  }
  return out;
}
