// The two ways into a sweep: a new one (record it, plan stored first, then execute) and a
// resumed one (reload its stored plan and config, close out what a killed runner left,
// remove its orphaned containers, then execute only what is missing).

import { resolve } from 'node:path';
import { connectEngine } from '../../engines/registry.js';
import { enginePool, type SweepSettings } from '../plan/settings.js';
import { ERROR_CODES, PairbenchError, ValidationError, errorMessage, isPairbenchError } from '../../core/errors.js';
import type { SweepPlan } from '../plan/plan.js';
import type { SweepReporter } from '../progress/types.js';
import { openStore, type Db } from '../../store/db.js';
import { attemptRows, getSweep, insertSweep, markLeftoversInterrupted, restartsStored, sweepIds, updateSweep } from '../../store/records.js';
import { sweepRecorder } from '../../store/recorder.js';
import { latestServingCheck } from '../../store/serving-checks.js';
import { createServingController } from '../../serving/control/controller.js';
import type { ServingConfig } from '../../serving/control/config.js';
import type { ServingController } from '../../serving/control/types.js';
import { executeSweep, type PoolEngine, type SweepOutcome } from './execute.js';
import { newSweepId, sweepDirFor } from './ids.js';
import { SweepInterrupt, onInterruptSignals } from './interrupt.js';
import { agentsFor, serverLeverWarnings, changedTasks, harnessesFor, servingProblems, tasksFor, type PreparedSweep, type StoredConfig } from './prepare.js';
import { gitState, hostName, pairbenchVersion } from './provenance.js';
import { servingConfigFor, storedServingFor } from './serving-setup.js';
import { takeLease, type SweepLease } from './lease.js';
import { describeServer, reapSweepServers } from './server-reap.js';

export interface RunOptions {
  dbPath: string;
  reporter: Required<SweepReporter>;
  /** Overrides for a resumed sweep; a new sweep takes them from its settings. */
  concurrency?: number;
  graceSec?: number;
  /** A resumed sweep's retry budget, fresh: its substrate failures run again, each up to 1 + retries times. */
  retries?: number;
  /** Hook SIGINT/SIGTERM (the CLI does; library callers may drive `interrupt` themselves). */
  handleSignals?: boolean;
  interrupt?: SweepInterrupt;
}

export interface SweepRunResult extends SweepOutcome {
  sweepId: string;
  /** The signal that interrupted the sweep, if one did. */
  signal: NodeJS.Signals | null;
}

const resumeCommandFor = (sweepId: string, dbPath: string): string => `pairbench run --resume ${sweepId} --db ${dbPath}`;

export async function runNewSweep(prepared: PreparedSweep, options: RunOptions): Promise<SweepRunResult> {
  const { settings, plan } = prepared;
  const db = openStore(options.dbPath);
  let lease: SweepLease | null = null;
  try {
    const engines = await connectPool(settings.engines, settings.concurrency);
    const [versions, git] = await Promise.all([engineVersions(engines), gitState()]);
    const sweepId = newSweepId();
    const serving = prepared.servingConfig && needsServing(prepared) ? controllerFor(prepared.servingConfig, settings.runsDir, sweepId) : null;
    const stored: StoredConfig = {
      settings,
      brokenTasks: prepared.broken.map((b) => ({ name: b.name, problems: b.problems })),
      ...(serving && prepared.servingConfig && { serving: storedServingFor(prepared.servingConfig) }),
    };
    insertSweep(db, {
      id: sweepId,
      created_at: new Date().toISOString(),
      finished_at: null,
      status: 'running',
      config_json: JSON.stringify(stored),
      plan_json: JSON.stringify(plan),
      git_commit: git.commit,
      git_dirty: git.dirty === null ? null : git.dirty ? 1 : 0,
      host: hostName(),
      engine_version: versions,
      serving_kind: serving?.kind ?? 'none',
      simulated: serving?.kind === 'simulated' ? 1 : 0,
      serving_provenance_json: null,
      pairbench_version: pairbenchVersion(),
    });
    lease = takeLease(db, sweepId);
    for (const b of prepared.broken) options.reporter.onWarning(`task ${b.name} is broken and left out of this sweep:\n  - ${b.problems.join('\n  - ')}`);
    for (const w of prepared.taskWarnings ?? []) options.reporter.onWarning(w);
    const endpoint = serving ? prepared.servingConfig?.endpoint : undefined;
    const check = endpoint?.baseUrl ? latestServingCheck(db, endpoint.baseUrl, endpoint.model) : null;
    for (const w of serverLeverWarnings(prepared.harnesses, serving ? prepared.servingConfig : null, check)) options.reporter.onWarning(w);
    if (prepared.servingConfig && !serving) options.reporter.onWarning('no harness in this sweep needs a model: the serving layer is not started');
    if (serving?.kind === 'none' && settings.restartEvery !== 'never') {
      options.reporter.onWarning(
        'restarts were asked for, but pairbench cannot restart a server it only knows by --base-url: each planned restart is recorded as not done. ' +
          'To let pairbench restart it, give a serving file (--serving serving.toml) with a command, restart_command or container (docs/serving.example.toml).',
      );
    }
    return await execute(db, engines, sweepId, false, plan, prepared, serving, options, settings.graceSec);
  } finally {
    lease?.release();
    db.close();
  }
}

export async function resumeSweep(sweepId: string, options: RunOptions): Promise<SweepRunResult> {
  const dbPath = resolve(options.dbPath);
  const db = openStore(dbPath);
  let lease: SweepLease | null = null;
  try {
    const row = getSweep(db, sweepId);
    if (!row) {
      const ids = sweepIds(db);
      throw new PairbenchError(
        ERROR_CODES.SWEEP_NOT_FOUND,
        `no sweep ${sweepId} in ${dbPath}; ${ids.length > 0 ? `sweeps there: ${ids.join(', ')}` : 'it holds no sweeps'}`,
      );
    }
    if (!row.plan_json) throw new PairbenchError(ERROR_CODES.SWEEP_NOT_RESUMABLE, `sweep ${sweepId} has no stored plan; it cannot be resumed`);
    // Before anything is touched: a live runner's rows and containers are its own.
    lease = takeLease(db, sweepId);
    const { settings } = JSON.parse(row.config_json) as StoredConfig;
    const plan = JSON.parse(row.plan_json) as SweepPlan;

    const problems: string[] = [];
    const agents = agentsFor(settings.agentsDirs ?? [], plan.harnesses, problems);
    const harnesses = harnessesFor(plan.harnesses, settings.maxTurns, problems, agents);
    const { tasks, broken } = await tasksFor(settings.tasksDir, plan.tasks, problems);
    const serving = await servingConfigFor(settings);
    problems.push(...serving.problems, ...servingProblems(harnesses, serving.config));
    if (problems.length > 0) throw new ValidationError(ERROR_CODES.CONFIG_INVALID, `cannot resume sweep ${sweepId}`, problems);
    const changed = await changedTasks(plan, tasks);
    if (changed.length > 0) {
      throw new PairbenchError(
        ERROR_CODES.SWEEP_TASK_CHANGED,
        `cannot resume sweep ${sweepId}: task${changed.length === 1 ? '' : 's'} ${changed.join(', ')} changed since it started (content hash differs), ` +
          `so its remaining trials would measure another task than its finished ones. Restore ${changed.length === 1 ? 'it' : 'them'} as ${changed.length === 1 ? 'it was' : 'they were'} ` +
          `(e.g. git stash or git checkout in ${settings.tasksDir}), or start a new sweep.`,
      );
    }
    for (const b of broken) options.reporter.onWarning(`task ${b.name} is broken now; its remaining trials are not run:\n  - ${b.problems.join('\n  - ')}`);

    // A server the killed runner started still holds its port: stop it before starting another.
    const servers = await reapSweepServers(db, sweepId);
    for (const s of servers.reaped) options.reporter.onWarning(`stopped the serving process left running by the stopped runner (${describeServer(s)})`);
    if (servers.failed.length > 0) {
      throw new PairbenchError(
        ERROR_CODES.SERVING_START_FAILED,
        `cannot stop the serving process left running by the stopped runner: ${servers.failed.map((f) => `${describeServer(f.server)}: ${f.error}`).join('; ')}. Stop it, then resume again.`,
      );
    }
    const leftovers = markLeftoversInterrupted(db, sweepId, new Date().toISOString());
    if (leftovers > 0) options.reporter.onWarning(`${leftovers} trial(s) left running by the stopped runner are marked interrupted and will run again`);
    const engines = await connectPool(settings.engines, options.concurrency ?? settings.concurrency);
    for (const { ref, engine } of engines) {
      const on = engines.length > 1 ? ` on ${ref}` : '';
      const orphans = await engine.findLeftovers({ sweep: sweepId });
      if (orphans.length === 0) continue;
      const { removed, failed } = await engine.removeLeftovers(orphans);
      options.reporter.onWarning(`removed ${removed.length} orphaned container(s) of sweep ${sweepId}${on}`);
      if (failed.length > 0) {
        throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `could not remove orphaned containers${on}: ${failed.map((f) => `${f.container.name} (${f.error})`).join(', ')}`);
      }
    }
    // The stop it is resumed from is no longer the sweep's state; its end says the new one.
    updateSweep(db, sweepId, { status: 'running', finished_at: null, error_code: null, error_message: null });

    const prepared: PreparedSweep = { settings, plan, tasks, broken, harnesses, servingConfig: serving.config };
    const controller = serving.config && needsServing(prepared) ? controllerFor(serving.config, settings.runsDir, sweepId) : null;
    return await execute(db, engines, sweepId, true, plan, prepared, controller, options, options.graceSec ?? settings.graceSec);
  } finally {
    lease?.release();
    db.close();
  }
}

function needsServing(p: PreparedSweep): boolean {
  return [...p.harnesses.values()].some((h) => h.needsModel);
}

/** Connects every engine of the sweep; the first that does not answer ends the sweep before it starts. */
async function connectPool(engines: SweepSettings['engines'], concurrency: number): Promise<PoolEngine[]> {
  return Promise.all(enginePool({ engines, concurrency }).map(async (e) => ({ ...e, engine: await connectEngine(e.ref) })));
}

/** One engine's version as it is; several, each named. */
async function engineVersions(engines: readonly PoolEngine[]): Promise<string> {
  const versions = await Promise.all(engines.map(async (e) => ({ ref: e.ref, version: (await e.engine.describe()).version })));
  return versions.length === 1 ? versions[0]!.version : versions.map((v) => `${v.ref} ${v.version}`).join('; ');
}

function controllerFor(config: ServingConfig, runsDir: string, sweepId: string): ServingController {
  return createServingController(config, { sweepDir: sweepDirFor(runsDir, sweepId) });
}

async function execute(
  db: Db,
  engines: PoolEngine[],
  sweepId: string,
  resumed: boolean,
  plan: SweepPlan,
  prepared: PreparedSweep,
  serving: ServingController | null,
  options: RunOptions,
  graceSec: number,
): Promise<SweepRunResult> {
  const concurrency = engines.reduce((n, e) => n + e.concurrency, 0);
  if (concurrency > 1) {
    options.reporter.onWarning(`concurrency ${concurrency}: trials running side by side disturb each other's timings; use 1 when comparing wall times or latency`);
  }
  if (prepared.settings.network === 'none') {
    options.reporter.onWarning('network none: every container of every trial runs offline, whatever its task allows (the report says so)');
  }
  const interrupt = options.interrupt ?? new SweepInterrupt();
  const graceMs = graceSec * 1000;
  interrupt.onChange((kind) => {
    if (kind === 'stop') {
      options.reporter.onWarning(`stopping: no new trials; running ones get ${graceSec} s to finish, then are torn down (Ctrl-C again to tear down now)`);
    } else options.reporter.onWarning('tearing down running trials');
  });
  const unhook = options.handleSignals ? onInterruptSignals(interrupt, graceMs) : () => undefined;
  try {
    const outcome = await executeSweep({
      dbPath: options.dbPath,
      sweepId,
      resumed,
      plan,
      attempts: attemptRows(db, sweepId),
      storedRestarts: restartsStored(db, sweepId),
      retries: options.retries ?? prepared.settings.retries,
      freshRetries: resumed && options.retries !== undefined,
      concurrency,
      selinux: prepared.settings.selinux,
      forceOffline: prepared.settings.network === 'none',
      runsDir: prepared.settings.runsDir,
      tasks: prepared.tasks,
      harnesses: prepared.harnesses,
      serving,
      engines,
      reporter: options.reporter,
      recorder: sweepRecorder(db),
      interrupt,
      resumeCommand: resumeCommandFor(sweepId, options.dbPath),
    });
    return { ...outcome, sweepId, signal: interrupt.signal };
  } catch (e) {
    updateSweep(db, sweepId, { status: 'failed', finished_at: new Date().toISOString() });
    throw new PairbenchError(isPairbenchError(e) ? e.code : ERROR_CODES.SWEEP_FAILED, `sweep ${sweepId} failed: ${errorMessage(e)}`, { cause: e });
  } finally {
    unhook();
    interrupt.dispose();
  }
}
