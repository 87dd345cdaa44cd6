// `pairbench cleanup`: removes the containers pairbench left behind (a killed run, a failed
// teardown), found by their labels; never touches a container pairbench did not create.

import type { Command } from 'commander';
import type { Leftover } from '../../core/engine.js';

interface CleanupFlags {
  sweep?: string;
  dryRun?: boolean;
  json?: boolean;
}

export function registerCleanup(program: Command): void {
  program
    .command('cleanup')
    .description('remove the containers pairbench runs left behind (all, including those of a sweep still running, or one sweep\'s)')
    .option('--sweep <id>', 'only the containers of this sweep')
    .option('--dry-run', 'list what would be removed, remove nothing')
    .option('--json', 'print the result as JSON')
    .action(async (flags: CleanupFlags) => {
      // The engine client loads only when the command runs, never for help.
      const { connectEngine } = await import('../../engines/registry.js');
      const engine = await connectEngine();
      const found = await engine.findLeftovers(flags.sweep === undefined ? {} : { sweep: flags.sweep });
      if (flags.dryRun) {
        if (flags.json) print({ dryRun: true, found, removed: [], failed: [] });
        else if (found.length === 0) process.stdout.write(`no pairbench containers${scope(flags)}\n`);
        else {
          process.stdout.write(`would remove ${found.length} container(s)${scope(flags)}:\n`);
          for (const c of found) process.stdout.write(`  ${describe(c)}\n`);
        }
        return;
      }
      const { removed, failed } = await engine.removeLeftovers(found);
      if (flags.json) print({ dryRun: false, found, removed, failed: failed.map((f) => ({ ...f.container, error: f.error })) });
      else {
        if (found.length === 0) process.stdout.write(`no pairbench containers${scope(flags)}\n`);
        for (const c of removed) process.stdout.write(`removed ${describe(c)}\n`);
        for (const f of failed) process.stderr.write(`could not remove ${describe(f.container)}: ${f.error}\n`);
      }
      if (failed.length > 0) process.exitCode = 1;
    });
}

function scope(flags: CleanupFlags): string {
  return flags.sweep === undefined ? '' : ` for sweep ${flags.sweep}`;
}

function describe(c: Leftover): string {
  return `${c.name} (${c.state}; sweep ${c.sweep}, trial ${c.trial}, task ${c.task})`;
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
