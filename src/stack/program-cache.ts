import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../atomic-write';

/**
 * A disk cache of a mocked program run (demo.ts): loading the three provider SDKs and running the
 * program costs seconds, the result only changes with the program, its config or its
 * dependencies. An entry is found by a key over what is known before the run (project, stack,
 * config, lockfile) and is valid only while every program file the run loaded still has the
 * hash recorded with it, so an edit anywhere in the program (even a file outside `main`'s
 * folder) runs it again.
 *
 * What is stored is what the run registered: resource types, names and inputs, i.e. values the
 * stack config already holds in plain text (a mocked run never sees decrypted secrets).
 */

/** Bump when the recorded shape changes: older entries are then ignored. */
const FORMAT = 1;

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock'];

const entrySchema = z.object({
  format: z.literal(FORMAT),
  /** Program files the run loaded (relative to the project), with their SHA-256. */
  files: z.record(z.string(), z.string()),
  resources: z.array(
    z.object({
      urn: z.string(),
      type: z.string(),
      name: z.string(),
      inputs: z.record(z.string(), z.unknown()),
      parent: z.string().optional(),
      provider: z.string().optional(),
      custom: z.boolean(),
    }),
  ),
});
export type ProgramCacheEntry = z.infer<typeof entrySchema>;

export interface ProgramCacheKeyInput {
  projectDir: string;
  projectName: string;
  /** Absolute program entry. */
  entry: string;
  stack: string;
  config: Record<string, unknown>;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** JSON with object keys sorted, so that equal configs give equal keys whatever their order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The nearest lockfile at or above the project: it pins the SDK versions the program loads. */
export function findLockfile(projectDir: string): string | undefined {
  let dir = resolve(projectDir);
  for (;;) {
    const found = LOCKFILES.map((name) => join(dir, name)).find((file) => existsSync(file));
    if (found) return found;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The entry's file name, or undefined when the run cannot be keyed (no lockfile: the SDK
 * versions, which shape the recorded inputs, would be unknown).
 */
export function programCacheKey(input: ProgramCacheKeyInput): string | undefined {
  const lockfile = findLockfile(input.projectDir);
  if (!lockfile) return undefined;
  return sha256(
    canonicalJson({
      format: FORMAT,
      project: input.projectName,
      entry: relative(input.projectDir, input.entry).split(sep).join('/'),
      stack: input.stack,
      config: input.config,
      lockfile: sha256(readFileSync(lockfile)),
      node: process.versions.modules,
    }),
  );
}

/** The cached registrations, when the entry exists and every program file it lists is unchanged. */
export function readProgramCache(cacheDir: string, key: string, projectDir: string): ProgramCacheEntry['resources'] | undefined {
  let entry: ProgramCacheEntry;
  try {
    const parsed = entrySchema.safeParse(JSON.parse(readFileSync(join(cacheDir, `${key}.json`), 'utf8')));
    if (!parsed.success) return undefined;
    entry = parsed.data;
  } catch {
    return undefined; // absent or unreadable: run the program
  }
  for (const [file, hash] of Object.entries(entry.files)) {
    let text: Buffer;
    try {
      text = readFileSync(resolve(projectDir, file));
    } catch {
      return undefined;
    }
    if (sha256(text) !== hash) return undefined;
  }
  return entry.resources;
}

/**
 * Stores a run. Best effort: a cache that cannot be written (read-only checkout, full disk)
 * only costs the next run its speed.
 */
export function writeProgramCache(
  cacheDir: string,
  key: string,
  projectDir: string,
  programFiles: readonly string[],
  resources: ProgramCacheEntry['resources'],
): boolean {
  try {
    const files: Record<string, string> = {};
    for (const file of programFiles) files[relative(projectDir, file).split(sep).join('/')] = sha256(readFileSync(file));
    const entry: ProgramCacheEntry = { format: FORMAT, files, resources };
    writeFileAtomic(join(cacheDir, `${key}.json`), `${JSON.stringify(entry)}\n`);
    return true;
  } catch {
    return false;
  }
}
