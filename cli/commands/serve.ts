import type { Command } from 'commander';

// Placeholder until this command lands; replaced by its owner.
export function registerServe(program: Command): void {
  program.command('serve').description('not built yet').action(() => {
    throw new Error('serve is not built yet');
  });
}
