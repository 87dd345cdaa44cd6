import type { Command } from 'commander';

// Placeholder until this command lands; replaced by its owner.
export function registerTasks(program: Command): void {
  program.command('tasks').description('not built yet').action(() => {
    throw new Error('tasks is not built yet');
  });
}
