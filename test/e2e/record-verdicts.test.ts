// The reward-evidence rule and harness bugs, on the real engine: the verifier bind is proven
// writable before the agent starts (a bind the container cannot write is a substrate error
// naming --selinux on); with the bind proven, a verifier that exits non-zero without a
// reward is the agent's fail and one that exits 0 without a reward is the task's bug; a
// harness whose own code throws is harness_error, never the machine's.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from './engine-support.js';
import { LABELS } from '../../core/engine.js';
import { createTrialContainer } from '../../engines/docker/container.js';
import { ensureTaskImage } from '../../engines/docker/images.js';
import { writeMountFile } from '../../engines/mounts.js';
import { loadTask } from '../../runner/task/load.js';
import { runTrial } from '../../runner/trial.js';
import { planBindProbe, proveVerifierBind } from '../../verifier/bind-probe.js';
import type { HarnessBase } from '../../core/harness.js';
import type { TrialResult } from '../../core/trial.js';
import { isAgentOutcome } from '../../core/outcomes.js';
import { PairbenchError } from '../../core/errors.js';
import { HARNESS_THROW_ENV } from '../../harnesses/agent/test-faults.js';
import { startSimulatedServer, type SimulatedServer } from '../../simulator/server.js';
import { runHarnessTrial } from './support/harness-trial.js';

const TASKS = path.resolve(import.meta.dirname, '../../fixtures/tasks-record');
const SWEEP = `e2e-record-verdicts-${process.pid}-${Date.now().toString(36)}`;

let docker: Docker;
let root: string;
let sim: SimulatedServer;
let seq = 0;

beforeAll(async () => {
  docker = await connectEngine();
  root = await mkdtemp(path.join(tmpdir(), 'pb-record-verdicts-'));
  sim = await startSimulatedServer({ tasksDir: TASKS, timeScale: 0 });
});

afterAll(async () => {
  delete process.env[HARNESS_THROW_ENV];
  const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.sweep}=${SWEEP}`] } });
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  await sim.close();
  await rm(root, { recursive: true, force: true });
});

async function trial(task: string, base: HarnessBase): Promise<TrialResult> {
  const n = ++seq;
  const trialId = `${SWEEP}-t${n}`;
  return runTrial(
    {
      trialId,
      sweepId: SWEEP,
      task: await loadTask(path.join(TASKS, task)),
      harness: { name: base, base, levers: null, limits: { maxTurns: 1, maxOutputTokens: 1, observationBytes: 1024 } },
      trialIndex: n,
      attempt: 1,
      trialDir: path.join(root, trialId),
      containerName: `pb-${trialId}`,
      selinux: 'auto',
      serving: null,
    },
    { onTurn: () => undefined },
  );
}

describe('the reward-evidence rule', () => {
  it('a verifier that exits non-zero without a reward is the agent failing: fail, reward 0, the exit code in the message', async () => {
    const r = await trial('verifier-set-e', 'nop');
    expect(r).toMatchObject({ status: 'fail', reward: 0, errorCode: 'PB_VERIFIER_FAILED' });
    expect(r.errorMessage).toContain('exited 1');
    expect(isAgentOutcome(r.status)).toBe(true);
    // The same verifier with the task solved still passes.
    expect(await trial('verifier-set-e', 'oracle')).toMatchObject({ status: 'pass', reward: 1 });
  });

  it('a verifier that exits 0 without a reward is the task\'s bug: reward_missing', async () => {
    const r = await trial('reward-forgotten', 'oracle');
    expect(r).toMatchObject({ status: 'reward_missing', reward: null, errorCode: 'PB_REWARD_MISSING' });
    expect(r.errorMessage).toContain('exited 0');
  });

  it('an agent that makes tests/test.sh exit 0 without a reward gets reward_missing: never pass, never the agent\'s fail', async () => {
    // The oracle's solution writes `exit 0` into the file test.sh sources from the workspace.
    const r = await trial('verifier-sabotaged', 'oracle');
    expect(r).toMatchObject({ status: 'reward_missing', reward: null, errorCode: 'PB_REWARD_MISSING' });
    expect(r.errorMessage).toContain('exited 0');
    expect(isAgentOutcome(r.status)).toBe(false);
  });

  it('a verifier bind the container cannot write is caught before the agent starts, naming --selinux on', async () => {
    // What an SELinux-enforcing host without the relabel does to the container (EACCES on the
    // bind) is played by a read-only bind: the same symptom, on a host that has no SELinux.
    const task = await loadTask(path.join(TASKS, 'steady'));
    const { image } = await ensureTaskImage(docker, task, { logPath: path.join(root, 'build-steady.log') });
    const dir = path.join(root, `ro-${++seq}`);
    const { binds } = await writeMountFile(dir, false);
    const probe = planBindProbe();
    const container = await createTrialContainer(docker, {
      image,
      name: `pb-${SWEEP}-ro-${seq}`,
      labels: { sweep: SWEEP, trial: `${SWEEP}-ro`, task: task.name },
      task,
      binds: binds.map((b) => `${b}:ro`),
      boot: probe.boot,
    });
    try {
      const err = await proveVerifierBind(container, dir, probe).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PairbenchError);
      const e = err as PairbenchError;
      expect(e.code).toBe('PB_VERIFIER_BIND_UNWRITABLE');
      expect(e.outcome).toBe('container_failed');
      expect(e.message).toContain('--selinux on');
      expect(e.message).toContain('/logs/verifier');
      // A writable bind passes the same probe and leaves nothing behind for the verifier to trip on.
    } finally {
      await container.remove();
    }
  });
});

describe('a harness whose own code throws', () => {
  it('is harness_error, an agent outcome with the error and where it was thrown; the other harness is untouched', async () => {
    process.env[HARNESS_THROW_ENV] = 'terse';
    try {
      const task = await loadTask(path.join(TASKS, 'harness-bug'));
      const broken = await runHarnessTrial({ sweep: SWEEP, root, n: ++seq, variant: 'terse', task, baseUrl: sim.url });
      expect(broken.result).toMatchObject({ status: 'harness_error', errorCode: 'PB_HARNESS_ERROR' });
      expect(isAgentOutcome(broken.result.status)).toBe(true);
      expect(broken.result.errorMessage).toContain('TypeError');
      expect(broken.result.errorMessage).toContain('test-faults');
      // The verifier still ran: the reward is kept, as for any agent outcome.
      expect(broken.result.reward).toBe(0);
      const fine = await runHarnessTrial({ sweep: SWEEP, root, n: ++seq, variant: 'tmux', task, baseUrl: sim.url });
      expect(fine.result.status).toBe('pass');
    } finally {
      delete process.env[HARNESS_THROW_ENV];
    }
  });
});
