// Every trial outcome, provoked for real: fixture tasks under fixtures/tasks-outcomes run
// through runTrial with the oracle or nop harness on each real engine. Each test checks the
// status, error code, reward, that the phases were timed, and that no container is left.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ENGINES, connectTestEngine } from './engine-support.js';
import type { DockerApiEngine } from '../../engines/docker/engine.js';
import { recordEngineCalls } from '../../engines/docker/call-log.js';
import { LABELS } from '../../core/engine.js';
import { loadTask } from '../../runner/task/load.js';
import type { LoadedTask } from '../../core/task.js';
import { runTrial } from '../../runner/trial.js';
import type { TrialResult, TrialSpec } from '../../core/trial.js';
import type { HarnessBase, HarnessSpec } from '../../core/harness.js';
import type { TurnRecord } from '../../core/turn.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/tasks-outcomes');
describe.each(TEST_ENGINES)('on %s', (kind) => {
  const SWEEP = `e2e-outcomes-${kind}-${process.pid}-${Date.now().toString(36)}`;
  let engine: DockerApiEngine;
  let docker: DockerApiEngine['api'];
  let root: string;
  const tasks = new Map<string, LoadedTask>();
  let seq = 0;

  beforeAll(async () => {
    engine = await connectTestEngine(kind);
    docker = engine.api;
    root = await mkdtemp(path.join(tmpdir(), 'pb-trial-outcomes-'));
    const names = [
      'answer',
      'reward-json',
      'agent-timeout',
      'reward-missing',
      'reward-empty',
      'reward-invalid-text',
      'reward-invalid-json',
      'verifier-timeout',
      'build-failed-step',
      'build-failed-base',
      'container-failed',
      'environment-unhealthy',
    ];
    for (const n of names) tasks.set(n, await loadTask(path.join(FIXTURES, n)));
  });

  afterAll(async () => {
    // Only this file's containers: a failed assertion must not leave any behind.
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.sweep}=${SWEEP}`] } });
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    await rm(root, { recursive: true, force: true });
  });

  function harness(base: HarnessBase): HarnessSpec {
    return { name: base, base, levers: null, limits: { maxTurns: 1, maxOutputTokens: 1, observationBytes: 1024 } };
  }

  function specFor(taskName: string, base: HarnessBase, trialDir?: string): TrialSpec {
    const task = tasks.get(taskName);
    if (!task) throw new Error(`fixture ${taskName} not loaded`);
    const n = ++seq;
    const trialId = `${SWEEP}-t${n}`;
    return {
      trialId,
      sweepId: SWEEP,
      task,
      harness: harness(base),
      trialIndex: n,
      attempt: 1,
      trialDir: trialDir ?? path.join(root, trialId),
      containerName: `pb-${SWEEP}-t${n}`,
      selinux: 'auto',
      serving: null,
      engine: kind,
    };
  }

  interface Ran {
    spec: TrialSpec;
    result: TrialResult;
    phases: string[];
    turns: TurnRecord[];
  }

  async function run(taskName: string, base: HarnessBase, trialDir?: string): Promise<Ran> {
    const spec = specFor(taskName, base, trialDir);
    const phases: string[] = [];
    const turns: TurnRecord[] = [];
    const result = await runTrial(spec, { onTurn: (t) => turns.push(t), onPhase: (p) => phases.push(p) });
    await expectNoContainer(spec.trialId);
    expect(result.wallMs).toBeGreaterThan(0);
    expect(result.setupMs).not.toBeNull();
    return { spec, result, phases, turns };
  }

  async function expectNoContainer(trialId: string): Promise<void> {
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.trial}=${trialId}`] } });
    expect(left.map((c) => c.Names)).toEqual([]);
  }

  /** A trial that got as far as the verifier: every phase was timed. */
  function expectAllPhasesTimed(r: Ran): void {
    expect(r.phases).toEqual(['build', 'setup', 'agent', 'verify', 'teardown']);
    for (const k of ['setupMs', 'agentMs', 'verifyMs', 'teardownMs'] as const) expect(r.result[k], k).toBeTypeOf('number');
    expect(r.result.wallMs).toBeGreaterThanOrEqual(r.result.agentMs! + r.result.verifyMs!);
  }

  const hostFile = (r: Ran, rel: string): Promise<string> => readFile(path.join(r.spec.trialDir, rel), 'utf8');

  describe('runTrial outcomes, for real', () => {
    it('pass: the oracle solves the task, with the verifier env applied, in two execs', async () => {
      const calls = recordEngineCalls(engine);
      let r: Ran;
      try {
        r = await run('answer', 'oracle');
      } finally {
        calls.stop();
      }
      // The solution, and the verification (seal, tests/test.sh, reward read, hand-back of the
      // binds): each exec is three round trips. The bind probe (with the user look-up) runs as
      // the container boots, read on its attached stream: no exec.
      const all = calls.take();
      expect(all.filter((c) => c.endsWith('/exec'))).toHaveLength(2);
      expect(all.filter((c) => c.endsWith('/attach'))).toHaveLength(1);
      // Whether the container outlived the agent is told by the verifier's exec, not an inspect.
      expect(all).not.toContain('GET /containers/{id}/json');
      expect(r.result).toMatchObject({ status: 'pass', reward: 1, rewards: null, errorCode: null, errorMessage: null, turns: 0 });
      expect(r.result.image).toMatch(/^pairbench-task\/answer:[0-9a-f]{12}$/);
      expectAllPhasesTimed(r);
      // What the trial leaves behind on the host: mount file, oracle log, transcript, verifier output.
      expect(await hostFile(r, 'mounts.yaml')).toContain(`${r.spec.trialDir}/logs/verifier:/logs/verifier`);
      expect(existsSync(path.join(r.spec.trialDir, 'logs/agent/oracle.txt'))).toBe(true);
      expect(existsSync(path.join(r.spec.trialDir, 'logs/verifier/test-stdout.txt'))).toBe(true);
      const transcript = (await hostFile(r, 'transcript.jsonl')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(transcript.map((e) => e.event)).toEqual(['start', 'exit']);
      expect(transcript[1]).toMatchObject({ exitCode: 0 });
    });

    it('fail: nop leaves the task unsolved and the verifier says 0', async () => {
      const r = await run('answer', 'nop');
      expect(r.result).toMatchObject({ status: 'fail', reward: 0, rewards: null, errorCode: null, errorMessage: null });
      expectAllPhasesTimed(r);
    });

    it('pass through reward.json, keeping every extra key', async () => {
      const r = await run('reward-json', 'oracle');
      expect(r.result).toMatchObject({
        status: 'pass',
        reward: 1,
        rewards: { reward: 1, tests_passed: 3, tests_total: 3 },
        errorCode: null,
      });
      expectAllPhasesTimed(r);
    });

    it('agent_timeout: the solution outlives [agent] timeout_sec, and the verifier still runs', async () => {
      const r = await run('agent-timeout', 'oracle');
      expect(r.result).toMatchObject({ status: 'agent_timeout', reward: 0, errorCode: null });
      expect(r.result.errorMessage).toContain('timeout of 2 s');
      expectAllPhasesTimed(r);
      expect(r.result.agentMs).toBeGreaterThanOrEqual(1_900); // the timer, not the solution, ended the phase
      expect(await hostFile(r, 'logs/verifier/test-stdout.txt')).toContain('verifier ran after the agent timeout');
    });

    it('reward_missing: the verifier exited 0 without a reward, a task bug, with where it looked', async () => {
      const r = await run('reward-missing', 'oracle');
      expect(r.result).toMatchObject({ status: 'reward_missing', reward: null, rewards: null, errorCode: 'PB_REWARD_MISSING' });
      expect(r.result.errorMessage).toContain('/logs/verifier/reward.json');
      expect(r.result.errorMessage).toContain('/logs/verifier/reward.txt');
      expect(r.result.errorMessage).toContain(path.join(r.spec.trialDir, 'logs/verifier/reward.txt'));
      expect(r.result.errorMessage).toContain('exited 0');
      expect(r.result.errorMessage).toContain('bug in the task');
      expectAllPhasesTimed(r);
      expect(await hostFile(r, 'logs/verifier/test-stdout.txt')).toContain('no reward written');
    });

    it('reward_empty', async () => {
      const r = await run('reward-empty', 'oracle');
      expect(r.result).toMatchObject({ status: 'reward_empty', reward: null, errorCode: 'PB_REWARD_EMPTY' });
      expect(r.result.errorMessage).toMatch(/reward\.txt .* is empty/);
      expectAllPhasesTimed(r);
    });

    it('reward_invalid: a word in reward.txt', async () => {
      const r = await run('reward-invalid-text', 'oracle');
      expect(r.result).toMatchObject({ status: 'reward_invalid', reward: null, errorCode: 'PB_REWARD_INVALID' });
      expect(r.result.errorMessage).toContain('expected one number, got "passed"');
      expectAllPhasesTimed(r);
    });

    it('reward_invalid: a malformed reward.json wins over a valid reward.txt beside it', async () => {
      const r = await run('reward-invalid-json', 'oracle');
      expect(r.result).toMatchObject({ status: 'reward_invalid', reward: null, rewards: null, errorCode: 'PB_REWARD_INVALID' });
      expect(r.result.errorMessage).toContain('reward.json');
      expect(r.result.errorMessage).toContain('"reward" is "1", not a finite number');
      expectAllPhasesTimed(r);
    });

    it('verifier_timeout', async () => {
      const r = await run('verifier-timeout', 'oracle');
      expect(r.result).toMatchObject({ status: 'verifier_timeout', reward: null, errorCode: 'PB_VERIFIER_TIMEOUT' });
      expect(r.result.errorMessage).toContain('verifier timeout of 2 s');
      expectAllPhasesTimed(r);
      expect(r.result.verifyMs).toBeGreaterThanOrEqual(1_900);
    });

    it('build_failed: a failing RUN step, with the build log kept', async () => {
      const r = await run('build-failed-step', 'oracle');
      expect(r.result).toMatchObject({ status: 'build_failed', reward: null, errorCode: 'PB_BUILD_FAILED', image: null });
      expect(r.phases).toEqual(['build']);
      expect(r.result).toMatchObject({ agentMs: null, verifyMs: null, teardownMs: null });
      expect(r.result.errorMessage).toContain(path.join(r.spec.trialDir, 'build.log'));
      expect(await hostFile(r, 'build.log')).toContain('this build step fails on purpose');
    });

    it('build_failed: a base image that cannot be had', async () => {
      const r = await run('build-failed-base', 'oracle');
      expect(r.result).toMatchObject({ status: 'build_failed', reward: null, errorCode: 'PB_BUILD_FAILED', image: null });
      expect(r.phases).toEqual(['build']);
      expect(await hostFile(r, 'build.log')).toContain('pairbench/no-such-base-image');
    });

    it('container_failed: the solution brings the container down mid-trial', async () => {
      const r = await run('container-failed', 'oracle');
      expect(r.result).toMatchObject({ status: 'container_failed', reward: null, errorCode: 'PB_CONTAINER_GONE' });
      expect(r.result.agentMs).toBeTypeOf('number');
      // Whether the engine reports the exit before or during the verifier is a race; either
      // way the container, not the agent or the verifier, is blamed.
      expect(r.result.errorMessage).toMatch(/container\b.*\b(stopped|gone|not running|exited)\b.*\b(agent|verif)/);
      expect(r.result.teardownMs).toBeTypeOf('number');
    });

    it('container_failed with PB_ENVIRONMENT_UNHEALTHY: a healthcheck that never passes ends the trial before the agent', async () => {
      const r = await run('environment-unhealthy', 'oracle');
      expect(r.result).toMatchObject({ status: 'container_failed', reward: null, errorCode: 'PB_ENVIRONMENT_UNHEALTHY', agentMs: null, turns: null });
      expect(r.phases).toEqual(['build', 'setup', 'teardown']);
      expect(r.result.errorMessage).toContain('the environment never became healthy: [environment.healthcheck] command failed 2 times in a row (exit code 1): test -e /tmp/never-there');
      expect(r.result.errorMessage).toContain('(during the setup phase)');
    });

    it('a second trial never reads the first trial\'s reward', async () => {
      const first = await run('answer', 'nop');
      expect(first.result).toMatchObject({ status: 'fail', reward: 0 });
      // Plant a passing reward where the first trial's verifier wrote.
      await writeFile(path.join(first.spec.trialDir, 'logs/verifier/reward.txt'), '1\n');

      const second = await run('answer', 'nop');
      expect(second.result).toMatchObject({ status: 'fail', reward: 0 });
      expect(second.spec.trialDir).not.toBe(first.spec.trialDir);

      // Even pointed at the first trial's directory, a trial refuses to reuse it rather than read the stale reward.
      const reused = await run('answer', 'nop', first.spec.trialDir);
      expect(reused.result).toMatchObject({ status: 'container_failed', reward: null, errorCode: 'PB_CONTAINER_FAILED' });
      expect(reused.result.errorMessage).toContain('already exists');
    });

    it('Ctrl-C: an outer abort tears the container down and throws PB_INTERRUPTED', async () => {
      const spec = specFor('agent-timeout', 'oracle');
      const outer = new AbortController();
      const phases: string[] = [];
      const trial = runTrial(
        spec,
        {
          onTurn: () => undefined,
          onPhase: (p) => {
            phases.push(p);
            if (p === 'agent') setTimeout(() => outer.abort(), 300);
          },
        },
        outer.signal,
      );
      await expect(trial).rejects.toMatchObject({ code: 'PB_INTERRUPTED' });
      expect(phases).toEqual(['build', 'setup', 'agent', 'teardown']);
      await expectNoContainer(spec.trialId);
    });
  });
});
