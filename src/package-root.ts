import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The package root (holds package.json, catalog/, Pulumi.yaml, stacks/), from src/ or dist/src/. */
export function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`package.json not found above ${__dirname}`);
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
