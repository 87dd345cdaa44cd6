// One trial, end to end: build -> setup -> agent -> verify -> teardown, each phase timed on
// its own. Safe to call in a worker thread: it takes plain data, builds its own harness and
// model client, and never touches SQLite (turns leave through events.onTurn).

import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { connectEngine } from '../engines/registry.js';
import { TRIAL_MOUNTS, readMountFile, resolveSelinux, writeMountFile } from '../engines/mounts.js';
import type { TrialContainer } from '../core/container.js';
import type { Engine } from '../core/engine.js';
import { ERROR_CODES, PairbenchError, errorMessage, isPairbenchError } from '../core/errors.js';
import { isAgentOutcome } from '../core/outcomes.js';
import type { TrialEvents, TrialResult, TrialSpec } from '../core/trial.js';
import { createHarness } from '../harnesses/registry.js';
import type { Harness, HarnessContext, HarnessResult } from '../harnesses/types.js';
import type { ModelClient } from '../serving/client/types.js';
import { agentView, logDirUsers, phaseNetworks, startingNetwork, verifierView, waitHealthy } from './trial-environment.js';
import { runVerifier, type VerifierRun } from '../verifier/verify.js';
import { planBindProbe, proveVerifierBind, type ProbedUsers } from '../verifier/bind-probe.js';
import { classify, combine, containerGone, harnessErrorMessage, stopMessage, type AgentEnd, type Ended, type Phase } from './trial-verdict.js';
import { giveHostDirTo, handBackFromInside, handBackScript, sanitizeTrialDir, trialDirOwner } from './trial-dir.js';
import { ensureServiceImages, noServices, removeServices, startServices } from './trial-services.js';
import { resolveEnv } from '../core/env-templates.js';
import type { TurnRecord } from '../core/turn.js';

export const TRANSCRIPT_FILE = 'transcript.jsonl';
export const BUILD_LOG_FILE = 'build.log';

const BIND_DIRS = TRIAL_MOUNTS.map((m) => m.containerPath);

/** How long a harness gets to return on its own after its signal fires, before the trial moves on. */
const HARNESS_GRACE_MS = 5_000;

/** Thrown inside runTrial when the outer signal fires; turned into PB_INTERRUPTED after teardown. */
class Interrupted extends Error {}

// One connection per engine per thread (the engine asks its SELinux options once too):
// re-connecting per trial would be pure overhead.
const engines = new Map<string, Promise<Engine>>();

function getEngine(ref: string): Promise<Engine> {
  let engine = engines.get(ref);
  if (!engine) {
    engine = connectEngine(ref).catch((e: unknown) => {
      engines.delete(ref); // let the next trial retry a restarted engine
      throw e;
    });
    engines.set(ref, engine);
  }
  return engine;
}

export async function runTrial(spec: TrialSpec, events: TrialEvents, signal?: AbortSignal): Promise<TrialResult> {
  const start = performance.now();
  const since = (t: number): number => Math.round(performance.now() - t);
  const timings: Pick<TrialResult, 'setupMs' | 'agentMs' | 'verifyMs' | 'teardownMs'> = {
    setupMs: null,
    agentMs: null,
    verifyMs: null,
    teardownMs: null,
  };
  // build and setup share setupMs; a phase that ends by throwing is still timed.
  const timingOf = { build: 'setupMs', setup: 'setupMs', agent: 'agentMs', verify: 'verifyMs' } as const;
  let phase: Phase = 'prepare';
  let phaseStart = start;
  let setupStart = start;
  const enter = (p: Exclude<Phase, 'prepare'>): void => {
    phase = p;
    phaseStart = performance.now();
    if (p === 'build') setupStart = phaseStart;
    events.onPhase?.(p);
  };
  const finish = (p: keyof typeof timingOf): void => {
    timings[timingOf[p]] = since(p === 'build' || p === 'setup' ? setupStart : phaseStart);
  };
  const checkOuter = (): void => {
    if (signal?.aborted) throw new Interrupted();
  };

  let container: TrialContainer | null = null;
  let engine: Engine | null = null;
  const services = noServices();
  let image: string | null = null;
  let turns: number | null = null;
  // Counted here too, so an attempt that ends by a throw still records how many turns it had.
  let turnsSeen = 0;
  let agentStarted = false;
  const counted: TrialEvents = {
    ...events,
    onTurn(turn) {
      turnsSeen += 1;
      events.onTurn(turn);
    },
  };
  let teardownError: string | null = null;
  let handedBack = false;
  let ended: Ended;
  const owner = trialDirOwner();

  try {
    checkOuter();
    mkdirSync(spec.trialDir, { recursive: true, mode: 0o755 });
    // Before any build, so a bad harness spec or a missing endpoint costs nothing.
    const harness = createHarness(spec.harness);
    const model = harness.needsModel ? await modelClientFor(spec) : null;

    enter('build');
    engine = await getEngine(spec.engine ?? 'docker');
    // The build is bounded by the task's own build_timeout_sec, ensureImage's default.
    const ensured = await untilAborted(engine.ensureImage(spec.task, { logPath: path.join(spec.trialDir, BUILD_LOG_FILE) }), signal);
    image = ensured.image;
    const serviceImages = await untilAborted(ensureServiceImages(engine, spec.task, spec.trialDir, signal), signal);

    enter('setup');
    const networks = phaseNetworks(spec.task, spec.forceOffline === true);
    const relabel = await resolveSelinux(spec.selinux, spec.selinux === 'auto' ? { securityOptions: (await engine.describe()).securityOptions } : {});
    const mountFile = await writeMountFile(spec.trialDir, relabel);
    const binds = await readMountFile(mountFile.path); // apply what the file says, not what we meant
    // Not raced against the signal: a sidecar created after teardown would be left behind.
    // It checks the signal between services instead.
    const labels = { sweep: spec.sweepId, trial: spec.trialId, task: spec.task.name };
    await startServices(engine, { task: spec.task, images: serviceImages, labels, containerName: spec.containerName, online: networks.setup === 'public' }, services, signal);
    checkOuter();
    const mainEnv = resolveEnv(spec.task.compose?.mainEnvironment ?? {});
    // The bind directories are 0755: a non-root image user, or the phase's named user, is
    // given them, between the probe's look-up of the users and its write.
    const dirUsers = logDirUsers(spec.task);
    const names = [...new Set(Object.values(dirUsers).filter((u): u is string => u !== null))];
    const probe = planBindProbe(names);
    container = await engine.createTrialContainer({
      image: ensured.image,
      name: spec.containerName,
      labels,
      task: spec.task,
      binds: [...binds, ...(spec.agent?.binds ?? [])],
      ...(spec.agent && { network: spec.agent.network }),
      ...(services.network !== null && { services: { network: services.network, hosts: services.hosts } }),
      ...(Object.keys(mainEnv).length > 0 && { env: mainEnv }),
      startNetwork: startingNetwork(networks),
      boot: probe.boot,
    });
    await container.setNetwork(networks.setup);
    const giveDirs = async ({ execUser, named }: ProbedUsers): Promise<void> => {
      for (const m of TRIAL_MOUNTS) {
        const name = dirUsers[m.hostSubdir];
        await giveHostDirTo(path.join(spec.trialDir, m.hostSubdir), name === null ? execUser : named[names.indexOf(name)]!);
      }
    };
    await untilAborted(proveVerifierBind(container, spec.trialDir, probe, { beforeWrite: giveDirs }), signal);
    await untilAborted(waitHealthy(container, spec.task, signal), signal);
    finish('setup');
    checkOuter();

    enter('agent');
    agentStarted = true;
    await container.setNetwork(networks.agent);
    const agent = await runAgent(harness, spec, agentView(container, spec.task, spec.harness.base === 'oracle'), model, counted, signal);
    finish('agent');
    turns = agent.turns;

    enter('verify');
    // A container that exited after the agent's last command is told by the verifier's first
    // request to the engine (CONTAINER_GONE), not by an inspect of its own before it.
    const run = await verifyUnlessGone(async () => {
      await container!.setNetwork(networks.verify);
      // The hand-back of the binds rides on the verifier's exec when it can (one exec fewer).
      return untilAborted(runVerifier(container!, spec.task, spec.trialDir, verifierView(container!, spec.task), handBackScript(BIND_DIRS, owner)), signal);
    });
    finish('verify');
    if (run === null) {
      ended = containerGone('before the verifier finished', agent.status);
    } else {
      handedBack = run.afterRan;
      const verdict = run.verdict;
      // A reward that never arrived because the container died is the container's failure.
      const lost = verdict.status.startsWith('reward_') && !(await container.isRunning());
      ended = lost ? containerGone('while the verifier ran', agent.status) : combine(agent, verdict);
    }
  } catch (e) {
    if (phase !== 'prepare' && timings[timingOf[phase]] === null) finish(phase);
    // Interrupted is never an outcome: the check after teardown turns it into PB_INTERRUPTED.
    ended = classify(e instanceof Interrupted ? new Error('interrupted') : e, phase);
  } finally {
    const teardownStart = performance.now();
    if (container) {
      events.onPhase?.('teardown');
      // What the container wrote through its binds is the user's again: from inside first,
      // which works even when pairbench runs unprivileged; skipped on Ctrl-C, which must be quick.
      if (!signal?.aborted && !handedBack) await handBackFromInside(container, BIND_DIRS, owner);
      try {
        await container.remove();
      } catch (e) {
        // The outcome stands; the leftover container keeps the trial's labels for `pairbench cleanup`.
        teardownError = `teardown: could not remove container ${spec.containerName}: ${errorMessage(e)}`;
      }
    }
    if (engine && (services.containers.length > 0 || services.networkId !== null)) {
      if (!container) events.onPhase?.('teardown');
      const left = await removeServices(engine, services);
      if (left) teardownError = `${teardownError ?? 'teardown:'} could not remove the compose services' ${left}`;
    }
    // Then from the host, once nothing can write there any more (never while a container
    // that could not be removed may still run).
    if (teardownError === null) await sanitizeTrialDir(spec.trialDir, owner).catch(() => undefined);
    if (container || services.networkId !== null) timings.teardownMs = since(teardownStart);
  }

  if (turns === null && agentStarted) turns = turnsSeen;
  if (signal?.aborted) {
    throw new PairbenchError(ERROR_CODES.INTERRUPTED, `trial ${spec.trialId} interrupted during ${phase}; its container was torn down`);
  }
  return {
    ...ended,
    errorMessage: ended.errorMessage ?? teardownError,
    wallMs: since(start),
    ...timings,
    turns,
    image,
  };
}

/** The verifier's run, or null when the container was gone under it (or before it). */
async function verifyUnlessGone(verify: () => Promise<VerifierRun>): Promise<VerifierRun | null> {
  try {
    return await verify();
  } catch (e) {
    if (isPairbenchError(e) && e.code === ERROR_CODES.CONTAINER_GONE) return null;
    throw e;
  }
}

/** dockerode's errors carry the engine's HTTP status; socket errors carry a system code. */
function isEngineError(e: unknown): boolean {
  const x = e as { statusCode?: unknown; code?: unknown } | null;
  return typeof x?.statusCode === 'number' || (typeof x?.code === 'string' && /^E[A-Z]+$/.test(x.code));
}

/**
 * Runs the harness under a signal that fires at the task's agent timeout or on the outer
 * abort. A harness that does not return within a short grace after that is left behind
 * (teardown removes its container), so a stuck harness cannot hold the trial.
 */
async function runAgent(
  harness: Harness,
  spec: TrialSpec,
  container: TrialContainer,
  model: ModelClient | null,
  events: TrialEvents,
  outer: AbortSignal | undefined,
): Promise<AgentEnd> {
  const timeoutSec = spec.task.config.agent.timeoutSec;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`agent timeout of ${timeoutSec} s`));
  }, timeoutSec * 1000);
  const onOuter = (): void => controller.abort(outer?.reason);
  if (outer?.aborted) onOuter();
  else outer?.addEventListener('abort', onOuter, { once: true });

  let turnsSeen = 0;
  const transcriptPath = path.join(spec.trialDir, TRANSCRIPT_FILE);
  const ctx: HarnessContext = {
    trialId: spec.trialId,
    task: spec.task,
    container,
    trialDir: spec.trialDir,
    model,
    ...(spec.agent && { agentEndpoint: { baseUrl: spec.agent.baseUrl, key: spec.agent.key, model: spec.agent.model } }),
    signal: controller.signal,
    onTurn(turn: TurnRecord) {
      turnsSeen += 1;
      events.onTurn(turn);
    },
    transcript(entry) {
      // Synchronous append keeps entries whole and in order, even when a harness does not await.
      appendFileSync(transcriptPath, `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
    },
  };
  const timeoutMessage = `the agent ran past its timeout of ${timeoutSec} s ([agent] timeout_sec)`;

  try {
    const result = await withGrace(harness.run(ctx), controller.signal, HARNESS_GRACE_MS);
    if (outer?.aborted) throw new Interrupted();
    if (result === 'abandoned') {
      return { status: 'agent_timeout', turns: turnsSeen, message: `${timeoutMessage}; the harness did not stop within ${HARNESS_GRACE_MS / 1000} s` };
    }
    // Past the timer the agent's time is up, whatever the harness says it reached.
    if (timedOut || result.stop === 'agent_timeout') return { status: 'agent_timeout', turns: result.turns, message: timeoutMessage };
    if (result.stop === 'done') return { status: 'done', turns: result.turns, message: null };
    return { status: result.stop, turns: result.turns, message: stopMessage(result.stop, spec) };
  } catch (e) {
    if (outer?.aborted) throw new Interrupted();
    // What the conversation caused (a prompt over the context, output the server's parser
    // refused) is the agent's outcome: the verifier still runs, as for any agent limit.
    if (isPairbenchError(e) && e.outcome && isAgentOutcome(e.outcome)) return { status: e.outcome, turns: turnsSeen, message: e.message };
    // A substrate failure the harness names (container gone, serving down) stands even past the timer.
    if (isPairbenchError(e) && e.outcome) throw e;
    if (timedOut) return { status: 'agent_timeout', turns: turnsSeen, message: timeoutMessage };
    // The harness's own code threw. Only a lost container or an engine that stopped answering
    // makes that the machine's fault; otherwise it is the variant's bug and counts against it.
    if (isPairbenchError(e) || isEngineError(e) || !(await container.isRunning().catch(() => false))) throw e;
    return { status: 'harness_error', turns: turnsSeen, message: harnessErrorMessage(spec.harness.name, e) };
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
  }
}

/** The harness's own result, or 'abandoned' when it outlives its signal by more than graceMs. */
async function withGrace(run: Promise<HarnessResult>, signal: AbortSignal, graceMs: number): Promise<HarnessResult | 'abandoned'> {
  let onAbort: (() => void) | null = null;
  let grace: NodeJS.Timeout | undefined;
  const abandoned = new Promise<'abandoned'>((resolve) => {
    onAbort = () => {
      grace = setTimeout(() => resolve('abandoned'), graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([run, abandoned]);
  } finally {
    clearTimeout(grace);
    if (onAbort) signal.removeEventListener('abort', onAbort);
    run.catch(() => undefined); // an abandoned harness may still reject later
  }
}

/** Settles with `work`, or rejects with Interrupted as soon as the outer signal fires. */
async function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    throw new Interrupted();
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    work.catch(() => undefined); // the teardown that follows makes an abandoned call fail
  }
}

async function modelClientFor(spec: TrialSpec): Promise<ModelClient> {
  if (!spec.serving) {
    throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, `harness "${spec.harness.name}" needs a model, but the trial has no serving endpoint`, {
      outcome: 'serving_failed',
    });
  }
  // Loaded only when a harness needs it, so oracle and nop trials never pull in the HTTP client.
  const { createModelClient } = await import('../serving/client/create.js');
  const { deadlinesFor } = await import('../serving/client/deadlines.js');
  // Below the agent timeout, so a stalled server is the serving layer's failure, not the agent's.
  return createModelClient(spec.serving, deadlinesFor(spec.task.config.agent.timeoutSec, spec.serving.timeouts ?? {}));
}
