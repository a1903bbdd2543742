import { spawnSync } from 'node:child_process';
import { inject } from 'vitest';

/**
 * External programs some tests drive for real. test/support/global-setup.ts installs the missing
 * ones when it can; a test file that needs one wraps its suite in
 * `describe.skipIf(lacks('prometheus'))`, so that it is skipped (never failed) where the tool
 * cannot be had, except under CI=true, where the set-up fails the run instead.
 */
export const TOOLS = {
  prometheus: ['prometheus', 'promtool'],
  git: ['git'],
  openssl: ['openssl'],
} as const;
export type Tool = keyof typeof TOOLS;

declare module 'vitest' {
  export interface ProvidedContext {
    /** Tools still missing after the set-up (see TOOLS). */
    missingTools: Tool[];
  }
}

export function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export function missingTools(): Tool[] {
  return (Object.keys(TOOLS) as Tool[]).filter((tool) => !TOOLS[tool].every(onPath));
}

/** True when `tool` is not available to this run (the set-up has said so, once, on stderr). */
export function lacks(tool: Tool): boolean {
  return inject('missingTools').includes(tool);
}
