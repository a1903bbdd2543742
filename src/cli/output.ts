import { writeFileAtomic } from '../atomic-write';
import { StackfitError } from '../model';
import { safeOutput } from '../redact';

/** Prints to stdout, or writes the file atomically when `--output` is given (never a partial report); credentials redacted and control characters escaped either way. */
export function emit(text: string, output?: string): void {
  if (!output) {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileAtomic(output, safeOutput(text));
  } catch (err) {
    throw new StackfitError(`cannot write: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, output);
  }
}
