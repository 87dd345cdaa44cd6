import type { Command } from 'commander';

// Placeholder until this command lands; replaced by its owner.
export function registerReport(program: Command): void {
  program.command('report').description('not built yet').action(() => {
    throw new Error('report is not built yet');
  });
}
