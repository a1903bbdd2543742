import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Writes a whole file or nothing: to a temporary file in the same directory, then an atomic
 * rename, so a crash or a full disk never leaves a half-written file behind. A SIGINT/SIGTERM/
 * SIGHUP arriving meanwhile is held until the temporary file is renamed or removed, then
 * delivered again (without a listener Node would die mid-write and leave the temporary file).
 */
export function writeFileAtomic(file: string, text: string | Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let pending: NodeJS.Signals | undefined;
  const hold = (signal: NodeJS.Signals) => {
    pending ??= signal;
  };
  for (const s of SIGNALS) process.on(s, hold);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    // A signal that came during the (synchronous) write is dispatched on the next loop turn:
    // keep holding until then, and re-deliver it once no temporary file is left.
    setImmediate(() => {
      for (const s of SIGNALS) process.removeListener(s, hold);
      if (pending) process.kill(process.pid, pending);
    });
  }
}
