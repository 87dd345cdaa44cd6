// `pairbench cleanup`: removes the containers pairbench runs left behind, found by their
// labels; never touches a container pairbench did not create. By default only those whose
// runner is gone (killed, crashed): a sweep still running, yours or another user's, keeps its
// containers. `--all` asks for those too, and names each live runner it takes them from.
// With a store (--db, or the default one when it exists) it also stops the serving processes
// that killed runners started and left running, each only if it is the very process recorded.

import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import type { Leftover } from '../../core/engine.js';
import type { GuardRule } from '../../engines/host-guard.js';
import type { OwnedServerIdentity, ReapResult } from '../../serving/control/reap.js';
import { DEFAULT_DB } from './run.js';
import { describeRunner, parseRunner, runnerLiveness, type Liveness } from '../../core/runner-identity.js';

interface CleanupFlags {
  engine?: string[];
  db?: string;
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
    .option('--db <path>', `the store whose killed runners' serving processes to stop too (default: ${DEFAULT_DB} when it exists)`)
    .option('--sweep <id>', 'only the containers (and serving processes) of this sweep')
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
      const servers = await leftServers(flags);
      const rules = await leftRules(flags);
      const targets = flags.all ? found : found.filter((c) => c.runnerState === 'gone');
      const kept = flags.all ? [] : found.filter((c) => c.runnerState !== 'gone');
      const out = (line: string): void => void process.stdout.write(`${line}\n`);

      if (flags.dryRun) {
        if (flags.json) print({ dryRun: true, found, removed: [], failed: [], kept, servers: { found: servers.targets, stopped: [], failed: [], kept: servers.kept } });
        else {
          if (targets.length === 0) out(`no pairbench containers to remove${scope(flags)}`);
          else {
            out(`would remove ${targets.length} container(s)${scope(flags)}:`);
            for (const c of targets) out(`  ${describe(c)}`);
          }
          explainKept(kept, out);
          for (const r of rules) out(`would remove ${r.rules.length} firewall rule(s) of sweep ${r.sweep}`);
          for (const s of servers.targets) out(`would stop ${describeServer(s)}`);
          explainKeptServers(servers.kept, out);
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
      // Then the networks of compose tasks' trials, once their containers are gone; by the same
      // runner rule (a live runner's trial may not have started its containers yet).
      const networksRemoved: string[] = [];
      const networksFailed: { name: string; error: string }[] = [];
      const sweepsWithNetwork = new Set<string>();
      for (const { engine } of engines) {
        for (const n of await engine.findLeftoverNetworks(flags.sweep === undefined ? {} : { sweep: flags.sweep })) {
          const runner = parseRunner(n.runner);
          if (!runner || (!flags.all && runnerLiveness(runner) !== 'gone')) continue;
          try {
            await engine.removeNetwork(n.id);
            networksRemoved.push(n.name);
          } catch (e) {
            networksFailed.push({ name: n.name, error: e instanceof Error ? e.message : String(e) });
            sweepsWithNetwork.add(n.sweep);
          }
        }
      }
      // Then the firewall rules that kept a sweep network's containers from the host.
      const { removeRules } = await import('../../engines/host-guard.js');
      const rulesRemoved: { sweep: string; rules: number }[] = [];
      const rulesFailed: { sweep: string; error: string }[] = [];
      for (const r of rules) {
        // While a sweep's network stays, its containers may still be on it: the rules stay too.
        if (sweepsWithNetwork.has(r.sweep)) {
          rulesFailed.push({ sweep: r.sweep, error: 'kept while its network stays (remove the network first, then run cleanup again)' });
          continue;
        }
        const problems = await removeRules(r.rules);
        if (problems.length === 0) rulesRemoved.push({ sweep: r.sweep, rules: r.rules.length });
        else rulesFailed.push({ sweep: r.sweep, error: problems.join('; ') });
      }
      const { reapServers } = await import('../../serving/control/reap.js');
      const reaped: ReapResult = await reapServers(servers.targets);
      const sweepOf = (s: OwnedServerIdentity): SweepServer => servers.targets.find((t) => t.pid === s.pid && t.procStart === s.procStart)!;
      if (flags.json) {
        print({
          dryRun: false, found, removed, failed: failed.map((f) => ({ ...f.container, error: f.error })), kept, networksRemoved, networksFailed, rulesRemoved, rulesFailed,
          servers: { found: servers.targets, stopped: reaped.reaped.map(sweepOf), failed: reaped.failed.map((f) => ({ ...sweepOf(f.server), error: f.error })), kept: servers.kept },
        });
      } else {
        if (found.length === 0) out(`no pairbench containers${scope(flags)}`);
        for (const c of removed) out(`removed ${describe(c)}`);
        for (const n of networksRemoved) out(`removed network ${n}`);
        for (const r of rulesRemoved) out(`removed ${r.rules} firewall rule(s) of sweep ${r.sweep}`);
        for (const f of rulesFailed) process.stderr.write(`could not remove the firewall rules of sweep ${f.sweep}: ${f.error}\n`);
        for (const f of failed) process.stderr.write(`could not remove ${describe(f.container)}: ${f.error}\n`);
        for (const f of networksFailed) process.stderr.write(`could not remove network ${f.name}: ${f.error}\n`);
        explainKept(kept, out);
        for (const s of reaped.reaped) out(`stopped ${describeServer(sweepOf(s))}`);
        for (const f of reaped.failed) process.stderr.write(`could not stop ${describeServer(sweepOf(f.server))}: ${f.error}\n`);
        explainKeptServers(servers.kept, out);
      }
      if (failed.length > 0 || reaped.failed.length > 0 || networksFailed.length > 0 || rulesFailed.length > 0) process.exitCode = 1;
    });
}

/** pairbench's firewall rules on this host, by sweep: those whose runner is gone (all with --all). */
async function leftRules(flags: CleanupFlags): Promise<{ sweep: string; rules: GuardRule[] }[]> {
  const { findGuardRules } = await import('../../engines/host-guard.js');
  const bySweep = new Map<string, GuardRule[]>();
  for (const r of await findGuardRules(flags.sweep === undefined ? {} : { sweep: flags.sweep })) {
    const runner = parseRunner(r.runner);
    if (!flags.all && (!runner || runnerLiveness(runner) !== 'gone')) continue;
    bySweep.set(r.sweep, [...(bySweep.get(r.sweep) ?? []), r]);
  }
  return [...bySweep].map(([sweep, rules]) => ({ sweep, rules }));
}

interface SweepServer extends OwnedServerIdentity {
  sweep: string;
}

/** The recorded serving processes still running: those of sweeps whose runner is gone (all with --all), and the rest kept. */
async function leftServers(flags: CleanupFlags): Promise<{ targets: SweepServer[]; kept: SweepServer[] }> {
  const path = flags.db ?? (existsSync(DEFAULT_DB) ? DEFAULT_DB : null);
  if (path === null) return { targets: [], kept: [] };
  const { openStore } = await import('../../store/db.js');
  const { sweepIds } = await import('../../store/records.js');
  const { leftoverServers } = await import('../../runner/sweep/server-reap.js');
  const { leaseHolderGone } = await import('../../runner/sweep/lease.js');
  let db: Awaited<ReturnType<typeof openStore>>;
  try {
    db = openStore(path, { readonly: true });
  } catch (e) {
    if (flags.db !== undefined) throw e;
    // Not asked for by name: the containers are still cleaned, and the user told why the store was not read.
    process.stderr.write(`not reading ${DEFAULT_DB} for leftover serving processes: ${e instanceof Error ? e.message : String(e)}\n`);
    return { targets: [], kept: [] };
  }
  try {
    const targets: SweepServer[] = [];
    const kept: SweepServer[] = [];
    for (const sweep of flags.sweep === undefined ? sweepIds(db) : [flags.sweep]) {
      const left = leftoverServers(db, sweep).map((s) => ({ ...s, sweep }));
      if (left.length > 0) (flags.all || leaseHolderGone(db, sweep) ? targets : kept).push(...left);
    }
    return { targets, kept };
  } finally {
    db.close();
  }
}

function describeServer(s: SweepServer): string {
  return `serving process pid ${s.pid} of sweep ${s.sweep}${s.startedAt ? ` (started ${s.startedAt})` : ''}`;
}

function explainKeptServers(kept: SweepServer[], out: (line: string) => void): void {
  if (kept.length === 0) return;
  out(`kept ${kept.length} serving process(es) whose sweep's runner is still running (--all stops them too):`);
  for (const s of kept) out(`  ${describeServer(s)}`);
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
