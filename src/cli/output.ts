import { closeSync, fstatSync, lstatSync, openSync, readlinkSync, realpathSync, statSync, writeSync, type Stats } from 'node:fs';
import path from 'node:path';
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
 * The process's own streams by name: written through the stream, since opening `/dev/stdout`
 * fails (ENXIO) when stdout is a socket, as under a process manager or Node's `spawn`.
 */
const STDOUT_PATHS = new Set(['/dev/stdout', '/dev/fd/1', '/proc/self/fd/1']);
const STDERR_PATHS = new Set(['/dev/stderr', '/dev/fd/2', '/proc/self/fd/2']);

/**
 * Prints to stdout (also for `--output -`), or writes the file atomically when `--output` is
 * given (never a partial report); credentials redacted and control characters escaped either
 * way. Refuses to overwrite one of `inputs` (the run's input files); a FIFO or `/dev/fd/N` is
 * written in place, a symbolic link is followed (the link stays, its target gets the report).
 */
export function emit(text: string, output?: string, inputs: readonly (string | undefined)[] = []): void {
  if (!output || output === '-' || STDOUT_PATHS.has(output)) {
    process.stdout.write(text);
    return;
  }
  if (STDERR_PATHS.has(output)) {
    process.stderr.write(text);
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
    // A link to a file not there yet: its target is created (as a shell's `>` does), the link stays.
    const dest = link?.isSymbolicLink()
      ? target
        ? realpathSync(output)
        : path.resolve(path.dirname(output), readlinkSync(output))
      : output;
    writeFileAtomic(dest, safeOutput(text));
  } catch (err) {
    if (err instanceof StackfitError) throw err;
    throw new StackfitError(`cannot write: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, output);
  }
}
