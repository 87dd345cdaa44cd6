import type { Command } from 'commander';

// Placeholder until this command lands; replaced by its owner.
export function registerCleanup(program: Command): void {
  program.command('cleanup').description('not built yet').action(() => {
    throw new Error('cleanup is not built yet');
  });
}
