import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument, isNode, LineCounter } from 'yaml';
import type { z } from 'zod';
import { StackfitError } from '../model';
import { stackfitConfigSchema, type StackfitConfig } from './schema';
import { unknownKeys } from './strict';

export * from './schema';

/**
 * Formats the first zod issue as `field.path (line N): message`, finding the line in the YAML
 * document when there is one, so that users can go straight to the offending value.
 */
export function describeZodIssue(
  error: z.ZodError,
  locate?: (path: PropertyKey[]) => number | undefined,
): string {
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
export function parseYamlWithSchema<T extends z.ZodType>(text: string, schema: T, where: string, opts: { strictKeys?: boolean } = {}): z.infer<T> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = yamlError.linePos?.[0];
    throw new StackfitError(`invalid YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${yamlError.message.split('\n')[0]}`, where);
  }
  const locate = (path: PropertyKey[]): number | undefined => {
    // Walk back up the path until a node exists (a missing key reports its parent's line).
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth) as unknown[], true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const data: unknown = doc.toJS() ?? {};
  if (opts.strictKeys) {
    const unknown = unknownKeys(data, schema);
    if (unknown.length > 0) {
      const lines = unknown.map((u) => {
        const line = locate(u.path);
        return `${u.path.map(String).join('.')}${line ? ` (line ${line})` : ''}: Unrecognized key "${u.key}"${u.suggestion ? `; did you mean "${u.suggestion}"?` : ''}`;
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
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new StackfitError(`cannot read config: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, path);
  }
  return parseConfig(text, path);
}

/** The rule entries that apply to a workload: keys equal to its name or URN, or `*` globs over either. */
export function matchesWorkloadKey(key: string, name: string, urn: string): boolean {
  if (key === name || key === urn) return true;
  if (!key.includes('*')) return false;
  const re = new RegExp(`^${key.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(name) || re.test(urn);
}
