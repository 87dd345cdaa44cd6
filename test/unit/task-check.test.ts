import { describe, expect, it } from 'vitest';
import { brokenCheck, judgeTask, newCheckSweepId, type CheckTrial } from '../../runner/task/check.js';
import { trialEndedEarly } from '../../core/trial.js';

const trial = (over: Partial<CheckTrial>): CheckTrial => ({
  ...trialEndedEarly('pass', null, null),
  reward: 1,
  wallMs: 500,
  trialDir: '/runs/s/t',
  ...over,
});

describe('judgeTask', () => {
  it('a task is sound when the oracle passes and nop fails', () => {
    expect(judgeTask(trial({}), trial({ status: 'fail', reward: 0 }))).toEqual([]);
  });

  it('an oracle that fails names the verifier output to read', () => {
    const reasons = judgeTask(trial({ status: 'fail', reward: 0 }), trial({ status: 'fail', reward: 0 }));
    expect(reasons).toEqual([
      'oracle ended fail (reward 0): the oracle must pass; solution/solve.sh did not satisfy tests/test.sh; see /runs/s/t/logs/verifier/test-stdout.txt',
    ]);
  });

  it('a nop that passes means the verifier checks too little', () => {
    const reasons = judgeTask(trial({}), trial({ status: 'pass', reward: 1 }));
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/^nop ended pass \(reward 1\): the nop harness must fail; tests\/test\.sh accepts a container nobody touched/);
  });

  it('a substrate error is reported as the substrate\'s fault, with its message', () => {
    const reasons = judgeTask(
      trial({ status: 'reward_missing', reward: null, errorCode: 'PB_REWARD_MISSING', errorMessage: 'no reward file' }),
      trial({ status: 'verifier_timeout', reward: null, errorCode: 'PB_VERIFIER_TIMEOUT', errorMessage: 'ran past 60 s' }),
    );
    expect(reasons).toEqual([
      "oracle ended reward_missing: a substrate error (the machine's fault, not the task's verdict): no reward file",
      "nop ended verifier_timeout: a substrate error (the machine's fault, not the task's verdict): ran past 60 s",
    ]);
  });

  it('an oracle that times out says so, and a nop not run is a failure too', () => {
    const reasons = judgeTask(trial({ status: 'agent_timeout', reward: 0, errorMessage: 'the agent ran past its timeout of 5 s' }), null);
    expect(reasons).toEqual([
      'oracle ended agent_timeout (reward 0): the oracle must pass; the agent ran past its timeout of 5 s',
      'nop was not run: the task image did not build',
    ]);
  });
});

describe('brokenCheck', () => {
  it('a broken task fails the check with its problems listed', () => {
    const c = brokenCheck({ name: 'x', dir: '/t/x', problems: ['task.toml: missing; a', 'tests/test.sh: missing; b'] });
    expect(c.ok).toBe(false);
    expect(c.reasons).toEqual(['the task directory is broken: task.toml: missing; a; tests/test.sh: missing; b']);
  });
});

it('check sweep ids carry the start time and a random suffix, safe in labels and container names', () => {
  expect(newCheckSweepId(new Date('2025-06-01T22:15:30Z'))).toMatch(/^check-20250601-221530-[0-9a-f]{4}$/);
});
