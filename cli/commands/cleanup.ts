// `pairbench cleanup`: removes the containers pairbench runs left behind, found by their
// labels; never touches a container pairbench did not create. By default only those whose
// runner is gone (killed, crashed): a sweep still running, yours or another user's, keeps its
// containers. `--all` asks for those too, and names each live runner it takes them from.

import type { Command } from 'commander';
import type { Leftover } from '../../core/engine.js';
import { describeRunner, parseRunner, runnerLiveness, type Liveness } from '../../core/runner-identity.js';

interface CleanupFlags {
  engine?: string[];
  sweep?: string;
  all?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

interface Found extends Leftover {
  /** The engine it was found on, named only when cleanup looks at more than one. */
  engine?: string;
  /** Whether the runner that made it still runs: 'unknown' for another host or an unlabelled container. */
  runnerState: Liveness;
}

export function registerCleanup(program: Command): void {
  program
    .command('cleanup')
    .description('remove the containers of pairbench runs whose runner is gone (killed or crashed); --all also those of running sweeps')
    .option('--engine <engines...>', 'the engines to clean, each in turn (default: docker); as `run --engine` takes them')
    .option('--sweep <id>', 'only the containers of this sweep')
    .option('--all', 'also remove containers whose runner is alive or cannot be checked (it is told which)')
    .option('--dry-run', 'list what would be removed, remove nothing')
    .option('--json', 'print the result as JSON')
    .action(async (flags: CleanupFlags) => {
      // The engine client loads only when the command runs, never for help.
      const { connectEngine } = await import('../../engines/registry.js');
      const refs = flags.engine ?? ['docker'];
      const engines = await Promise.all(refs.map(async (ref) => ({ ref, engine: await connectEngine(ref) })));
      const found: Found[] = [];
      for (const { ref, engine } of engines) {
        for (const c of await engine.findLeftovers(flags.sweep === undefined ? {} : { sweep: flags.sweep })) {
          const runner = parseRunner(c.runner);
          found.push({ ...c, ...(engines.length > 1 && { engine: ref }), runnerState: runner ? runnerLiveness(runner) : 'unknown' });
        }
      }
      const targets = flags.all ? found : found.filter((c) => c.runnerState === 'gone');
      const kept = flags.all ? [] : found.filter((c) => c.runnerState !== 'gone');
      const out = (line: string): void => void process.stdout.write(`${line}\n`);

      if (flags.dryRun) {
        if (flags.json) print({ dryRun: true, found, removed: [], failed: [], kept });
        else {
          if (targets.length === 0) out(`no pairbench containers to remove${scope(flags)}`);
          else {
            out(`would remove ${targets.length} container(s)${scope(flags)}:`);
            for (const c of targets) out(`  ${describe(c)}`);
          }
          explainKept(kept, out);
        }
        return;
      }
      // --all says what it takes from a live (or uncheckable) runner before it does it.
      if (flags.all && !flags.json) {
        for (const c of targets.filter((t) => t.runnerState !== 'gone')) out(`removing ${describe(c)}: ${ownerNote(c)}`);
      }
      const removed: Leftover[] = [];
      const failed: { container: Leftover; error: string }[] = [];
      for (const { ref, engine } of engines) {
        const mine = targets.filter((t) => engines.length === 1 || t.engine === ref);
        const r = await engine.removeLeftovers(mine);
        removed.push(...r.removed);
        failed.push(...r.failed);
      }
      if (flags.json) print({ dryRun: false, found, removed, failed: failed.map((f) => ({ ...f.container, error: f.error })), kept });
      else {
        if (found.length === 0) out(`no pairbench containers${scope(flags)}`);
        for (const c of removed) out(`removed ${describe(c)}`);
        for (const f of failed) process.stderr.write(`could not remove ${describe(f.container)}: ${f.error}\n`);
        explainKept(kept, out);
      }
      if (failed.length > 0) process.exitCode = 1;
    });
}

function explainKept(kept: Found[], out: (line: string) => void): void {
  if (kept.length === 0) return;
  out(`kept ${kept.length} container(s) whose runner is not known to be gone (--all removes them too):`);
  for (const c of kept) out(`  ${describe(c)}: ${ownerNote(c)}`);
}

function ownerNote(c: Found): string {
  const runner = parseRunner(c.runner);
  if (!runner) return 'made by a pairbench that did not record its runner';
  if (c.runnerState === 'alive') return `its runner, ${describeRunner(runner)}, is still running`;
  return `its runner, ${describeRunner(runner)}, is on another host and cannot be checked from here`;
}

function scope(flags: CleanupFlags): string {
  return flags.sweep === undefined ? '' : ` for sweep ${flags.sweep}`;
}

function describe(c: Leftover & { engine?: string }): string {
  return `${c.name} (${c.state}; sweep ${c.sweep}, trial ${c.trial}, task ${c.task}${c.engine === undefined ? '' : `; on ${c.engine}`})`;
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
