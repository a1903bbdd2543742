import { existsSync } from 'node:fs';
import { READ_LIMITS, readTextBounded } from '../bounded-read';
import path from 'node:path';
import { parseDocument, isNode, LineCounter } from 'yaml';
import type { z } from 'zod';
import { StackfitError } from '../model';
import { stackfitConfigSchema, type StackfitConfig } from './schema';
import { unknownKeys, type UnknownKey } from './strict';
import { checkDuplicateKeys, checkNestingDepth, guardNesting, YAML_PARSE_OPTIONS, yamlParseError, yamlToJs } from './yaml-safe';

export * from './schema';

/**
 * Formats the first zod issue as `field.path (line N): message`, finding the line in the YAML
 * document when there is one, so that users can go straight to the offending value.
 */
export function describeZodIssue(error: z.ZodError, locate?: (path: PropertyKey[]) => number | undefined): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid value';
  const path = issue.path.map(String).join('.') || '(root)';
  const line = locate?.(issue.path);
  return `${path}${line ? ` (line ${line})` : ''}: ${issue.message}`;
}

/**
 * Parses YAML text with a zod schema; errors name the file, the field and the line. With
 * `strictKeys`, a key the schema does not know at any depth is an error too (with a "did you
 * mean" for a near miss), all of them listed in one message.
 */
/**
 * `; did you mean "pin"?`; for a key known at another level `; did you mean "allowMove" (at the
 * top level)?`, or `; "allowMove" belongs at the top level` when only its place is wrong.
 */
function hintOf(u: UnknownKey): string {
  if (u.suggestion) return `; did you mean "${u.suggestion}"?`;
  if (!u.elsewhere) return '';
  const parts = u.elsewhere.split('.');
  const key = parts[parts.length - 1]!;
  const where = parts.length === 1 ? 'at the top level' : `under ${parts.slice(0, -1).join('.')}`;
  return key === u.key ? `; "${key}" belongs ${where}` : `; did you mean "${key}" (${where})?`;
}

export function parseYamlWithSchema<T extends z.ZodType>(
  text: string,
  schema: T,
  where: string,
  opts: { strictKeys?: boolean } = {},
): z.infer<T> {
  const lineCounter = new LineCounter();
  const doc = guardNesting(where, 'YAML', () => parseDocument(text, { lineCounter, ...YAML_PARSE_OPTIONS }));
  const yamlError = doc.errors[0];
  if (yamlError) {
    // Without prettyErrors the error carries offsets only: the line counter turns them into a place.
    throw yamlParseError(yamlError.message, yamlError.linePos?.[0] ?? lineCounter.linePos(yamlError.pos[0]), where);
  }
  checkNestingDepth(doc, lineCounter, where);
  checkDuplicateKeys(doc, lineCounter, where);
  const locate = (path: PropertyKey[]): number | undefined => {
    // Walk back up the path until a node exists (a missing key reports its parent's line).
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth) as unknown[], true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const data: unknown = yamlToJs(doc, lineCounter, where) ?? {};
  if (opts.strictKeys) {
    const unknown = unknownKeys(data, schema);
    if (unknown.length > 0) {
      const lines = unknown.map((u) => {
        const line = locate(u.path);
        return `${u.path.map(String).join('.')}${line ? ` (line ${line})` : ''}: Unrecognized key "${u.key}"${hintOf(u)}`;
      });
      throw new StackfitError(lines.join('\n  '), where);
    }
  }
  const result = schema.safeParse(data);
  if (!result.success) throw new StackfitError(describeZodIssue(result.error, locate), where);
  return result.data;
}

export function parseConfig(text: string, where = 'stackfit.yaml'): StackfitConfig {
  return parseYamlWithSchema(text, stackfitConfigSchema, where, { strictKeys: true });
}

export const CONFIG_FILE_NAME = 'stackfit.yaml';

/** `stackfit.yaml` in a directory (the repository root, like renovate.json), if there is one. */
export function findConfigFile(dir: string = process.cwd()): string | undefined {
  const file = path.join(dir, CONFIG_FILE_NAME);
  return existsSync(file) ? file : undefined;
}

/** Reads `stackfit.yaml`; without a path, the defaults. */
export function loadConfig(path?: string): StackfitConfig {
  if (!path) return stackfitConfigSchema.parse({});
  return parseConfig(readTextBounded(path, READ_LIMITS.configBytes, 'config'), path);
}

/** The rule entries that apply to a workload: keys equal to its name or URN, or `*` globs over either. */
export function matchesWorkloadKey(key: string, name: string, urn: string): boolean {
  if (key === name || key === urn) return true;
  if (!key.includes('*')) return false;
  return matchesGlob(key, name) || matchesGlob(key, urn);
}

/**
 * `*` (any run of characters, `/` and `:` included) glob match without backtracking blow-up: the
 * classic two-pointer wildcard match, at most O(pattern × text) steps, where a regex built from
 * `*a*a*a…*b` takes exponential time on a near miss (issue 13).
 */
export function matchesGlob(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  // Position after the last `*` seen, and the text position that star currently covers up to.
  let star = -1;
  let starText = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = ++p;
      starText = t;
    } else if (star !== -1) {
      // Mismatch after a star: let the star take one more character and retry from there.
      p = star;
      t = ++starText;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
