import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StackfitError } from '../model';

/**
 * Writes a whole file or nothing: to a temporary file beside it, then an atomic rename, so a
 * crash or a full disk never leaves a half-written report behind.
 */
export function writeFileAtomic(file: string, text: string): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new StackfitError(`cannot write: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, file);
  }
}

/** Prints to stdout, or writes the file atomically when `--output` is given. */
export function emit(text: string, output?: string): void {
  if (output) writeFileAtomic(output, text);
  else process.stdout.write(text);
}
