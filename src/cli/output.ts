import { closeSync, fstatSync, lstatSync, openSync, realpathSync, statSync, writeSync, type Stats } from 'node:fs';
import { writeFileAtomic } from '../atomic-write';
import { StackfitError } from '../model';
import { safeOutput } from '../redact';

function statOrUndefined(file: string, lstat = false): Stats | undefined {
  try {
    return lstat ? lstatSync(file) : statSync(file);
  } catch {
    return undefined;
  }
}

/** Writes to a FIFO, terminal or `/dev/fd/N` in place: they cannot be replaced by a rename. */
function writeInPlace(output: string, text: string): void {
  const fd = openSync(output, 'w');
  try {
    if (fstatSync(fd).isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/**
 * Prints to stdout (also for `--output -`), or writes the file atomically when `--output` is
 * given (never a partial report); credentials redacted and control characters escaped either
 * way. Refuses to overwrite one of `inputs` (the run's input files); a FIFO or `/dev/fd/N` is
 * written in place, a symbolic link is followed (the link stays, its target gets the report).
 */
export function emit(text: string, output?: string, inputs: readonly (string | undefined)[] = []): void {
  if (!output || output === '-') {
    process.stdout.write(text);
    return;
  }
  try {
    const target = statOrUndefined(output);
    if (target) {
      for (const input of inputs) {
        const s = input ? statOrUndefined(input) : undefined;
        if (s && s.dev === target.dev && s.ino === target.ino && target.isFile()) {
          throw new StackfitError(`is also an input of this run (${input}): refusing to overwrite it; give another --output`, output);
        }
      }
      if (target.isDirectory()) throw new StackfitError('is a directory', output);
      if (!target.isFile()) {
        writeInPlace(output, safeOutput(text));
        return;
      }
    }
    const link = statOrUndefined(output, true);
    writeFileAtomic(link?.isSymbolicLink() && target ? realpathSync(output) : output, safeOutput(text));
  } catch (err) {
    if (err instanceof StackfitError) throw err;
    throw new StackfitError(`cannot write: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, output);
  }
}
