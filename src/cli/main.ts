import { Command, CommanderError } from 'commander';
import { StackfitError } from '../model';
import { packageVersion } from '../package-root';
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

export async function main(argv: string[]): Promise<number> {
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
    throw err;
  }
}
