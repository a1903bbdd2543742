import { Command, CommanderError } from 'commander';
import { StackfitError } from '../model';
import { packageVersion } from '../package-root';
import { redact, safeOutput } from '../redact';
import * as backtest from './backtest';
import * as catalog from './catalog';
import * as check from './check';
import * as diff from './diff';
import * as pr from './pr';
import * as recommend from './recommend';

/**
 * The `stackfit` command. Each subcommand lives in its own file under src/cli/ and exports
 * `register(program)`; its action returns the exit code through `setExitCode`.
 */
export type Register = (program: Command) => void;

const commands: Register[] = [recommend.register, pr.register, check.register, diff.register, backtest.register, catalog.register];

/**
 * Routes a stream's writes through `safeOutput` (the one redaction step of every printed line,
 * plus escaping of control characters and workflow commands).
 */
function redacting(stream: NodeJS.WriteStream): () => void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- kept unbound to be put back as it was
  const original = stream.write;
  const write = original.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  const safe = (text: string) => safeOutput(text, { terminal: Boolean(stream.isTTY) });
  stream.write = (chunk: unknown, ...rest: unknown[]) =>
    write(
      typeof chunk === 'string' ? safe(chunk) : chunk instanceof Uint8Array ? safe(Buffer.from(chunk).toString('utf8')) : chunk,
      ...rest,
    );
  return () => {
    stream.write = original;
  };
}

export async function main(argv: string[]): Promise<number> {
  const restore = [redacting(process.stdout), redacting(process.stderr)];
  try {
    return await run(argv);
  } finally {
    for (const r of restore) r();
  }
}

async function run(argv: string[]): Promise<number> {
  const program = new Command('stackfit')
    .description('Right-size and place Pulumi stacks across AWS, Azure and GCP')
    .version(packageVersion())
    .exitOverride()
    .showHelpAfterError();
  for (const register of commands) register(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof StackfitError) {
      process.stderr.write(`stackfit: ${err.message}\n`);
      return err.exitCode;
    }
    // A library's error (Octokit, an SDK) may quote a URL or header with a credential in it.
    if (err instanceof Error) {
      err.message = redact(err.message);
      if (err.stack) err.stack = redact(err.stack);
    }
    throw err;
  }
}
