// Applies a stored plan: the main thread brings the serving layer up, builds each task's
// image once, then runs the plan group by group on worker threads. It schedules, retries
// and counts, and says what happens as events (core/sweep-events.ts): the recorder writes
// them to the store first, then the reporters show them.

import type { Engine } from '../../core/engine.js';
import { ERROR_CODES, errorMessage, isPairbenchError } from '../../core/errors.js';
import { isAgentOutcome, isSubstrateOutcome } from '../../core/outcomes.js';
import { restartReason, type SweepPlan } from '../plan/plan.js';
import type { LoadedTask } from '../../core/task.js';
import { trialEndedEarly, type SelinuxMode, type TrialResult, type TrialSpec } from '../../core/trial.js';
import type { HarnessSpec } from '../../core/harness.js';
import { combineObservers, type SweepCounts, type SweepObserver, type TrialInfo, type TrialStartInfo } from '../../core/sweep-events.js';
import type { TurnRecord } from '../../core/turn.js';
import type { ServingController, ServingEventOut } from '../../serving/control/types.js';
import { profileOf } from '../../serving/control/config.js';
import type { SweepReporter } from '../progress/types.js';
import { containerNameFor, trialDirFor, trialIdFor } from './ids.js';
import type { SweepInterrupt } from './interrupt.js';
import { entryStates, type AttemptRow, type EntryState } from './pending.js';
import { createTrialPool, type TrialPool } from './pool.js';
import { openAgentRoom, type AgentRoom } from './agent-room.js';
import { applyLevers } from '../../proxy/levers.js';
import { stallOf } from './stalls.js';
import { createServingGuard, type ServingGuard } from './serving-guard.js';
import { buildImages, removeLeftovers, type BuildFailures } from './engine-work.js';

export interface SweepHarness {
  spec: HarnessSpec;
  needsModel: boolean;
}

export interface SweepExecution {
  dbPath: string;
  sweepId: string;
  resumed: boolean;
  plan: SweepPlan;
  /** Attempts the store already holds for this sweep (resume); empty for a new one. */
  attempts: readonly AttemptRow[];
  /** Serving restarts earlier runs of this sweep recorded. */
  storedRestarts: number;
  retries: number;
  /** A resume given --retries: entries whose retries were spent on substrate failures run again. */
  freshRetries?: boolean;
  concurrency: number;
  selinux: SelinuxMode;
  /** `--network none`: every container offline, whatever the task says. */
  forceOffline: boolean;
  /** Absolute. */
  runsDir: string;
  /** The plan's tasks that loaded; entries of any other task are left unrun. */
  tasks: ReadonlyMap<string, LoadedTask>;
  harnesses: ReadonlyMap<string, SweepHarness>;
  /** Null when no harness in the sweep needs a model. */
  serving: ServingController | null;
  /** Where trials run: each engine takes `concurrency` trials at a time. */
  engines: readonly PoolEngine[];
  reporter: Required<SweepReporter>;
  /** Persistence: hears every event before the reporters do. */
  recorder: SweepObserver;
  interrupt: SweepInterrupt;
  resumeCommand: string;
}

export interface PoolEngine {
  /** As stored with each trial: docker, podman, an address. */
  ref: string;
  engine: Engine;
  concurrency: number;
}

export interface SweepOutcome {
  status: 'completed' | 'interrupted' | 'failed';
  counts: SweepCounts;
  wallMs: number;
}

const now = (): string => new Date().toISOString();

export async function executeSweep(x: SweepExecution): Promise<SweepOutcome> {
  const started = Date.now();
  const emit = combineObservers([x.recorder, x.reporter]);
  const states = entryStates(x.plan.entries, x.attempts, x.retries, x.freshRetries ? 'fresh' : 'stored');
  const counts: SweepCounts = { total: states.length, done: 0, passed: 0, failed: 0, substrate: 0, interrupted: 0, restarts: 0 };
  for (const s of states) if (s.finished) countFinished(counts, s.outcome!);
  // A resumed sweep's summary counts what the store holds, not only what this run added.
  for (const s of states) counts.substrate += s.substrateAttempts;
  counts.restarts = x.storedRestarts;
  emit.onSweepStart(
    {
      sweepId: x.sweepId,
      dbPath: x.dbPath,
      resumed: x.resumed,
      total: counts.total,
      alreadyDone: counts.done,
      concurrency: x.concurrency,
      harnesses: x.plan.harnesses,
      tasks: x.plan.tasks,
      servingKind: x.serving?.kind ?? 'none',
    },
    { ...counts },
  );

  let trialsDone = 0;
  let failure: string | null = null;
  let failureCode: string | null = null;
  let pool: TrialPool | null = null;
  let agentRoom: AgentRoom | null = null;
  // afterTrial and boundary restarts run one at a time, in the order trials end.
  let servingQueue: Promise<void> = Promise.resolve();
  const servingStep = (what: string, step: (c: ServingController) => Promise<void>): Promise<void> => {
    const serving = x.serving;
    if (!serving) return Promise.resolve();
    servingQueue = servingQueue.then(() =>
      step(serving).catch((e: unknown) => emit.onWarning(`serving layer, ${what}: ${errorMessage(e)}`)),
    );
    return servingQueue;
  };
  const guard = createServingGuard(x.serving, {
    signal: x.interrupt.stopSignal,
    onTrip: (reason) => {
      emit.onServingEvent({ sweepId: x.sweepId, kind: 'halt', reason, at: now(), durationMs: null, trialsDone, detail: { restartsBefore: counts.restarts } }, { ...counts });
      emit.onWarning(
        `no more trials start: ${reason}. Fix the server (or the key), then \`${x.resumeCommand} --retries 1\` runs the trials it failed and the rest`,
      );
    },
  });

  const todo = states.filter((s) => !s.finished);
  const plannedSegments = segments(x, todo);
  try {
    if (x.serving) {
      const serving = x.serving;
      // The server starts with the profile its first trials ask for.
      await serving.useProfile(plannedSegments[0]?.profile ?? null, 'the first trials\' profile');
      serving.onEvent = (e: ServingEventOut) => {
        if (e.kind === 'restart') counts.restarts += 1;
        emit.onServingEvent({ sweepId: x.sweepId, kind: e.kind, reason: e.reason, at: e.at, durationMs: e.durationMs, trialsDone, detail: e.detail }, { ...counts });
      };
      await serving.start(x.interrupt.stopSignal);
      const provenance = await serving.provenance().catch((e: unknown) => ({ error: errorMessage(e) }));
      // The endpoint says simulated once the server has said so, even when reached by --base-url.
      emit.onServingProvenance(x.sweepId, { ...provenance, simulated: serving.endpoint.simulated });
      if (serving.endpoint.simulated && serving.kind !== 'simulated') {
        emit.onWarning(`${serving.endpoint.baseUrl} is pairbench's simulated server: this sweep and its model trials are recorded as simulated (figures show the mechanism, not any model's speed)`);
      }
    }

    if (x.serving) {
      // Agents install once, on the pool's first engine (the cache is a host directory).
      agentRoom = await openAgentRoom(x.engines[0]!.engine, x.sweepId, [...x.harnesses.values()].map((h) => h.spec), x.serving.endpoint, (agent, installed) => {
        if (installed.fresh) emit.onWarning(`agent ${agent}: installed once into ${installed.dir}`);
      });
      if (agentRoom) {
        emit.onAgentIsolation(x.sweepId, agentRoom.isolation);
        if (!agentRoom.isolation.enforced) {
          emit.onWarning(
            `installed agents' containers are NOT kept from this host's services: ${agentRoom.isolation.detail}. Anything listening on all addresses here (0.0.0.0 or ::, a serving layer, sshd) answers them; bind such servers to 127.0.0.1, or run pairbench as root on the engine's host. The sweep records this`,
          );
        }
      }
    }
    const buildFailures = await buildImages(x, emit, new Set(todo.map((s) => s.entry.task)));
    pool = createTrialPool(x.concurrency);
    const runEntry = entryRunner(x, emit, pool, counts, buildFailures, agentRoom, () => {
      trialsDone += 1;
      const done = trialsDone;
      void servingStep('after a trial', (c) => c.afterTrial(done));
    }, guard);

    for (const [i, segment] of plannedSegments.entries()) {
      if (x.interrupt.stopping || guard.tripped !== null) break;
      // A freshly started (or resumed) server needs no restart before its first segment.
      const before = plannedSegments[i - 1];
      if (before && x.serving && before.profile !== segment.profile) {
        await servingQueue;
        // Never run a trial on another profile than it names: a failed switch ends the sweep.
        await x.serving.useProfile(segment.profile, `serving profile ${before.profile ?? '(none)'} -> ${segment.profile ?? '(none)'} before group ${segment.group}`);
      } else if (before && segment.restart) await servingStep(`restart before group ${segment.group}`, (c) => c.atBoundary(restartReason(x.plan, segment.group)));
      await inLanes(segment.states, lanesOf(x.engines), runEntry, () => x.interrupt.stopping || guard.tripped !== null);
    }
    await servingQueue;
  } catch (e) {
    failure = errorMessage(e);
    failureCode = isPairbenchError(e) ? e.code : null;
    // A wait cut short by Ctrl-C is the interruption itself, not a second problem to report.
    if (!x.interrupt.stopSignal.aborted) emit.onWarning(`the sweep stopped${failureCode ? ` (${failureCode})` : ''}: ${failure}`);
  } finally {
    await pool?.destroy().catch(() => undefined);
    // Leftover containers go before the agents' network, and its firewall rules after it.
    if (agentRoom) await agentRoom.close(() => removeLeftovers(x, emit)).catch((e: unknown) => emit.onWarning(`closing the installed agents' network: ${errorMessage(e)}`));
    await x.serving?.stop().catch((e: unknown) => emit.onWarning(`stopping the serving layer: ${errorMessage(e)}`));
    if (!agentRoom) await removeLeftovers(x, emit);
  }

  const allDone = counts.done === counts.total;
  const status: SweepOutcome['status'] = x.interrupt.stopping ? 'interrupted' : failure !== null || guard.tripped !== null || !allDone ? 'failed' : 'completed';
  const wallMs = Date.now() - started;
  // What stopped the sweep, stored with it: its own failure, or the breaker over a serving layer gone bad.
  const cause = failure !== null ? { code: failureCode, message: failure } : guard.tripped !== null ? { code: ERROR_CODES.SERVING_HALTED, message: guard.tripped } : null;
  emit.onSweepEnd({ sweepId: x.sweepId, dbPath: x.dbPath, status, counts: { ...counts }, wallMs, finishedAt: now(), resumeCommand: allDone ? null : guard.tripped !== null ? `${x.resumeCommand} --retries 1` : x.resumeCommand, error: x.interrupt.stopping ? null : cause });
  return { status, counts, wallMs };
}

interface Segment {
  group: number;
  /** The serving profile its trials name (`terse@np2`), or null. */
  profile: string | null;
  /** The plan restarts the serving layer before it. */
  restart: boolean;
  states: EntryState[];
}

/**
 * The entries still to run, in plan order, cut where the plan restarts the serving layer and
 * where the serving profile changes. Trials wait for each other only at those cuts (a restart
 * needs an idle server); between them, parallel workers run on across group boundaries.
 */
function segments(x: SweepExecution, todo: readonly EntryState[]): Segment[] {
  const out: Segment[] = [];
  let group = -1;
  for (const s of todo) {
    if (!x.tasks.has(s.entry.task)) continue;
    const profile = profileOf(s.entry.harness);
    const restart = s.entry.groupIndex !== group && x.serving !== null && x.plan.groups[s.entry.groupIndex]!.restartBefore;
    group = s.entry.groupIndex;
    const last = out[out.length - 1];
    if (last && !restart && last.profile === profile) last.states.push(s);
    else out.push({ group, profile, restart, states: [s] });
  }
  return out;
}

/** One lane per trial an engine may run at once, each lane naming its engine. */
function lanesOf(engines: readonly PoolEngine[]): string[] {
  return engines.flatMap((e) => Array.from({ length: e.concurrency }, () => e.ref));
}

function countFinished(counts: SweepCounts, outcome: string): void {
  counts.done += 1;
  if (outcome === 'pass') counts.passed += 1;
  else if (isAgentOutcome(outcome)) counts.failed += 1;
}

/** Runs one plan entry: attempts until an agent outcome, an interruption, or the retry budget is spent. */
function entryRunner(
  x: SweepExecution,
  emit: Required<SweepObserver>,
  pool: TrialPool,
  counts: SweepCounts,
  buildFailures: BuildFailures,
  agentRoom: AgentRoom | null,
  afterTrial: () => void,
  guard: ServingGuard,
): (state: EntryState, engineRef: string) => Promise<void> {
  return async (state, engineRef) => {
    const { entry } = state;
    const harness = x.harnesses.get(entry.harness)!;
    const task = x.tasks.get(entry.task)!;
    let attempt = state.nextAttempt;
    let budget = 1 + x.retries - state.budgetUsed;
    for (;;) {
      // After a serving failure no trial starts until the server is healthy again.
      await guard.ready();
      if (x.interrupt.stopping || guard.tripped !== null) return;
      const trialId = trialIdFor(x.sweepId, entry.slotIndex, entry.harness, attempt);
      const spec: TrialSpec = {
        trialId,
        sweepId: x.sweepId,
        task,
        harness: harness.spec,
        trialIndex: entry.trialIndex,
        attempt,
        trialDir: trialDirFor(x.runsDir, x.sweepId, trialId),
        containerName: containerNameFor(trialId),
        selinux: x.selinux,
        ...(x.forceOffline && { forceOffline: true }),
        serving: harness.needsModel && x.serving ? x.serving.endpoint : null,
        engine: engineRef,
      };
      const info: TrialInfo = { trialId, task: entry.task, harness: entry.harness, trialIndex: entry.trialIndex, slotIndex: entry.slotIndex, groupIndex: entry.groupIndex, attempt };
      const start: TrialStartInfo = {
        ...info,
        sweepId: x.sweepId,
        harnessBase: harness.spec.base,
        harnessConfig: {
          levers: harness.spec.levers,
          limits: harness.spec.limits,
          profile: profileOf(entry.harness),
          // An installed agent's levers, and which of them the proxy can put in this dialect's requests.
          ...(harness.spec.proxyLevers && x.serving && { proxyLevers: harness.spec.proxyLevers, leversReached: applyLevers({}, x.serving.endpoint.dialect, harness.spec.proxyLevers) }),
        },
        simulated: spec.serving?.simulated ?? false,
        containerName: spec.containerName,
        trialDir: spec.trialDir,
        startedAt: now(),
        engine: engineRef,
      };
      emit.onTrialStart(start, { ...counts });

      const built = buildFailures.get(engineRef)?.get(entry.task);
      const onTurn = (turn: TurnRecord): void => emit.onTurn(info, turn);
      // An installed agent's model calls reach the store through the proxy, under this trial's key only.
      const proxied = !built && harness.spec.base === 'agent' && agentRoom ? agentRoom.openTrial({ spec: harness.spec, trialId, task: entry.task, trialDir: spec.trialDir, onTurn }) : null;
      if (proxied) spec.agent = proxied.run;
      let result: TrialResult;
      try {
        result = built
          ? trialEndedEarly('build_failed', built.code, built.message)
          : await pool.run(spec, { onTurn, onPhase: (phase) => emit.onTrialPhase(info, phase) }, x.interrupt.abortSignal);
      } finally {
        proxied?.handle.close();
      }
      if (proxied) result = { ...result, turns: proxied.handle.turns };

      const status = result.status;
      let willRetry = false;
      if (status === 'interrupted') counts.interrupted += 1;
      else if (isSubstrateOutcome(status)) {
        counts.substrate += 1;
        budget -= 1;
        guard.note(trialId, status, { code: result.errorCode, message: result.errorMessage });
        // A failed build will not mend itself within this run: its entries are not retried here.
        willRetry = budget > 0 && !built && !x.interrupt.stopping && guard.tripped === null;
        if (!willRetry) countFinished(counts, status);
      } else {
        guard.note(trialId, status, { code: result.errorCode, message: result.errorMessage });
        countFinished(counts, status);
      }

      emit.onTrialEnd(
        { ...info, status, reward: result.reward, wallMs: result.wallMs, errorMessage: result.errorMessage, willRetry, result, finishedAt: now() },
        { ...counts },
      );
      if (status !== 'interrupted') afterTrial();
      const stall = stallOf(result);
      if (stall && x.serving) {
        emit.onServingEvent(
          { sweepId: x.sweepId, kind: 'stall', reason: `${stall.what} during trial ${trialId}`, at: now(), durationMs: stall.forMs, trialsDone: counts.done, detail: { trial: trialId, message: stall.message } },
          { ...counts },
        );
      }
      // A stall gets the restart a crash gets; any serving failure waits for health before the slot is tried again.
      await guard.recover(trialId, status, stall !== null);
      if (!willRetry || guard.tripped !== null) return;
      attempt += 1;
    }
  };
}

/** One item per lane at a time, in order, each lane passing its own name; stops taking new items once `stop()` says so. */
async function inLanes<T>(items: readonly T[], lanes: readonly string[], run: (item: T, lane: string) => Promise<void>, stop: () => boolean): Promise<void> {
  let next = 0;
  const lane = async (name: string): Promise<void> => {
    while (next < items.length && !stop()) await run(items[next++]!, name);
  };
  await Promise.all(lanes.slice(0, items.length).map(lane));
}
