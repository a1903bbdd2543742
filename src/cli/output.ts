import { writeFileAtomic } from '../atomic-write';
import { StackfitError } from '../model';
import { redact } from '../redact';

/** Prints to stdout, or writes the file atomically when `--output` is given (never a partial report); credentials redacted either way. */
export function emit(text: string, output?: string): void {
  if (!output) {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileAtomic(output, redact(text));
  } catch (err) {
    throw new StackfitError(`cannot write: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, output);
  }
}
