import chalk from 'chalk';
import type { Command } from 'commander';
import { isPairbenchError } from '../core/errors.js';

/** Parses and runs; a PairbenchError prints its code and message (never a stack trace) and exits 1. */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  // `pairbench report | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (isPairbenchError(e)) {
      // The code is what a script or a bug report can match on; the message says the fix.
      process.stderr.write(`${chalk.red('error')} ${e.code}: ${e.message}\n`);
      process.exitCode = process.exitCode || 1;
      return;
    }
    throw e;
  }
}
