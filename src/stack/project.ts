import { existsSync } from 'node:fs';
import { READ_LIMITS, readTextBounded } from '../bounded-read';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseYamlWithSchema } from '../config';
import { StackfitError } from '../model';

/** The parts of `Pulumi.yaml` stackfit uses. */
const projectFileSchema = z.looseObject({
  name: z.string().min(1),
  main: z.string().min(1).optional(),
  stackConfigDir: z.string().min(1).optional(),
  /** Legacy: a string here is the stack config directory (same as `stackConfigDir`). */
  config: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  runtime: z.union([z.string(), z.looseObject({ name: z.string() })]),
});

export interface PulumiProject {
  dir: string;
  name: string;
  /** Absolute path of the program entry (`main`, or the project directory). */
  main: string;
  /** Absolute directory holding `Pulumi.<stack>.yaml`. */
  stackConfigDir: string;
}

/** Reads `<dir>/Pulumi.yaml` (or `.yml`). */
export function loadPulumiProject(dir: string): PulumiProject {
  const absDir = resolve(dir);
  const file = [join(absDir, 'Pulumi.yaml'), join(absDir, 'Pulumi.yml')].find((candidate) => existsSync(candidate));
  if (!file) throw new StackfitError('no Pulumi.yaml here: not a Pulumi project directory', absDir);
  const project = parseYamlWithSchema(readTextBounded(file, READ_LIMITS.projectFileBytes, 'Pulumi.yaml'), projectFileSchema, file);
  const configDir = project.stackConfigDir ?? (typeof project.config === 'string' ? project.config : '.');
  return {
    dir: absDir,
    name: project.name,
    main: resolve(absDir, project.main ?? '.'),
    stackConfigDir: resolve(absDir, configDir),
  };
}

export function stackConfigPath(project: PulumiProject, stack: string): string {
  return join(project.stackConfigDir, `Pulumi.${stack}.yaml`);
}

const stackFileSchema = z.looseObject({
  config: z.record(z.string(), z.unknown()).nullish(),
});

/**
 * The `config:` map of a `Pulumi.<stack>.yaml`, keys made full (`ns:key`; a bare key belongs to
 * the project). Values stay as written: strings, numbers, structured values, `{secure: …}`.
 */
export function readStackConfig(path: string, projectName: string): Record<string, unknown> {
  const file = parseYamlWithSchema(readTextBounded(path, READ_LIMITS.stackConfigBytes, 'stack config'), stackFileSchema, path);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(file.config ?? {})) {
    out[key.includes(':') ? key : `${projectName}:${key}`] = value;
  }
  return out;
}

export function isSecureValue(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'secure' in value && Object.keys(value).length === 1;
}

/**
 * Stack config as the Pulumi language host passes it (`PULUMI_CONFIG`): every value a string,
 * structured values as JSON. Encrypted (`secure:`) values cannot be decrypted without the
 * stack's secrets provider: they are left out and listed.
 */
export function toPulumiConfig(config: Record<string, unknown>): { values: Record<string, string>; secureKeys: string[] } {
  const values: Record<string, string> = {};
  const secureKeys: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (isSecureValue(value)) secureKeys.push(key);
    else if (typeof value === 'string') values[key] = value;
    else if (value !== null && value !== undefined) values[key] = JSON.stringify(value);
  }
  return { values, secureKeys };
}
