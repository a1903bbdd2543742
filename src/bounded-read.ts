import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StackfitError } from './model';

const MiB = 1024 * 1024;

/**
 * Size limits of the files stackfit reads whole (issue 13: a 10 MB stackfit.yaml took 161 s and
 * 1.2 GB, `--state /dev/zero` grew without bound). The limits sit far above real files: the
 * largest real export in data/pulumi is under 1 MB, and a 50 MB export is read in seconds.
 * State and preview JSON stay under V8's 512 MiB string limit with room for JSON.parse.
 */
export const READ_LIMITS = {
  /** `pulumi stack export`, checkpoint, preview JSON (`--state`, `--preview`, `--base`/`--head`). */
  stateBytes: 256 * MiB,
  /** `Pulumi.<stack>.yaml` (a stack with 100k config keys is about 3 MiB). */
  stackConfigBytes: 16 * MiB,
  /** `Pulumi.yaml`. */
  projectFileBytes: 1 * MiB,
  /** `stackfit.yaml` (the example project's is 3 KB). */
  configBytes: 1 * MiB,
  /** Policy pack config JSON. */
  policyConfigBytes: 16 * MiB,
} as const;

function formatBytes(bytes: number): string {
  return bytes >= MiB ? `${Number((bytes / MiB).toFixed(1))} MiB` : `${bytes} bytes`;
}

/** `300 MiB`, or the exact byte count when that would read as the limit itself. */
function formatSize(bytes: number, limit: number): string {
  return formatBytes(bytes) === formatBytes(limit) ? `${bytes} bytes` : formatBytes(bytes);
}

/**
 * Reads a text file (or a FIFO / device / `/dev/stdin`) whole, refusing — with the file named —
 * one over `maxBytes` (regular files before reading a byte, streams as soon as they pass it), a
 * NUL byte (no JSON or YAML text has one: `/dev/zero` or a binary file stops at the first chunk)
 * and UTF-16 text (PowerShell's `>`). A UTF-8 byte-order mark is dropped.
 */
export function readTextBounded(path: string, maxBytes: number, what: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new StackfitError(`cannot read ${what}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, path);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new StackfitError(`is a directory, not a ${what}`, path);
    if (stat.isFile() && stat.size > maxBytes) {
      throw new StackfitError(`${what} is ${formatSize(stat.size, maxBytes)}, over stackfit's ${formatBytes(maxBytes)} limit for it`, path);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const chunkSize = stat.isFile() ? Math.min(Math.max(stat.size + 1, 64 * 1024), maxBytes + 1) : 1 * MiB;
    for (;;) {
      const chunk = Buffer.allocUnsafe(chunkSize);
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        throw new StackfitError(`cannot read ${what}: ${code ?? String(err)}`, path);
      }
      if (n === 0) break;
      const nul = chunk.subarray(0, n).indexOf(0);
      if (nul !== -1) {
        const utf16 = total === 0 && n >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff));
        throw new StackfitError(
          utf16
            ? `${what} is UTF-16 text (PowerShell's \`>\` writes it): save it as UTF-8 (e.g. \`| Out-File -Encoding utf8\`)`
            : `${what} has a NUL byte at offset ${total + nul}: not a text file`,
          path,
        );
      }
      total += n;
      if (total > maxBytes)
        throw new StackfitError(`${what} is over stackfit's ${formatBytes(maxBytes)} limit for it (stopped reading there)`, path);
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    }
    const text = Buffer.concat(chunks, total).toString('utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } finally {
    closeSync(fd);
  }
}
