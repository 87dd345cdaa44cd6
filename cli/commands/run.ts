import type { Command } from 'commander';

// Placeholder until this command lands; replaced by its owner.
export function registerRun(program: Command): void {
  program.command('run').description('not built yet').action(() => {
    throw new Error('run is not built yet');
  });
}
