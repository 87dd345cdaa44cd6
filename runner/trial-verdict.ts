// How a trial's end becomes its recorded outcome: the agent's end and the verifier's verdict
// combined, and any failure of the machinery classified by the phase it happened in. Pure:
// the trial runs, this decides what it counts as.

import { ERROR_CODES, errorMessage, isPairbenchError } from '../core/errors.js';
import type { AgentOutcome, Outcome } from '../core/outcomes.js';
import type { TrialSpec } from '../core/trial.js';
import type { VerifierResult } from '../verifier/verify.js';

/** 'prepare' is the harness and model client, before anything touches the engine. */
export type Phase = 'prepare' | 'build' | 'setup' | 'agent' | 'verify';

export interface Ended {
  status: Outcome;
  reward: number | null;
  rewards: Record<string, number> | null;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface AgentEnd {
  status: 'done' | AgentOutcome;
  turns: number;
  message: string | null;
}

/** The error and where it was thrown: enough for the harness's author to find the bug. */
export function harnessErrorMessage(harness: string, e: unknown): string {
  const name = e instanceof Error ? e.name : typeof e;
  const at = e instanceof Error ? (e.stack ?? '').split('\n').find((l) => l.trimStart().startsWith('at '))?.trim() : undefined;
  return `harness ${harness} threw ${name}: ${errorMessage(e)}${at ? ` (${at})` : ''}`;
}

export function stopMessage(stop: 'turn_limit' | 'output_limit' | 'context_limit', spec: TrialSpec): string {
  switch (stop) {
    case 'turn_limit':
      return `the harness reached its turn limit (${spec.harness.limits.maxTurns})`;
    case 'output_limit':
      return `a reply hit the output token limit (${spec.harness.limits.maxOutputTokens}) and could not be used`;
    case 'context_limit':
      return `a reply was cut short by the server's context filling up (fewer than ${spec.harness.limits.maxOutputTokens} output tokens) and could not be used`;
  }
}

/** The agent's end and the verifier's verdict, as one outcome. */
export function combine(agent: AgentEnd, verdict: VerifierResult): Ended {
  if (agent.status === 'done') return verdict;
  // The agent's limit is the outcome; the verifier still ran and its reward is kept. A
  // verifier problem on top is kept in the error fields so it is not lost.
  const verifierNote = verdict.errorMessage ? `; the verifier then reported ${verdict.status}: ${verdict.errorMessage}` : '';
  return {
    status: agent.status,
    reward: verdict.reward,
    rewards: verdict.rewards,
    errorCode: agent.status === 'harness_error' ? ERROR_CODES.HARNESS_ERROR : verdict.errorCode,
    errorMessage: `${agent.message ?? agent.status}${verifierNote}`,
  };
}

export function containerGone(when: string, agentStatus: AgentEnd['status']): Ended {
  const after = agentStatus === 'done' ? '' : ` (the agent had ended with ${agentStatus})`;
  return {
    status: 'container_failed',
    reward: null,
    rewards: null,
    errorCode: ERROR_CODES.CONTAINER_GONE,
    errorMessage: `the trial container exited ${when}${after}; nothing was verified`,
  };
}

export function classify(e: unknown, phase: Phase): Ended {
  const none = { reward: null, rewards: null };
  if (isPairbenchError(e)) {
    if (e.outcome) {
      // The engine's "container X is not running" does not say when; the phase does.
      const when = e.outcome === 'container_failed' && phase !== 'prepare' ? ` (during the ${phase} phase)` : '';
      return { ...none, status: e.outcome, errorCode: e.code, errorMessage: `${e.message}${when}` };
    }
    // Without an outcome of its own (a harness that is not available, an engine that does
    // not answer) it is still the machinery's failure, never the agent's.
    const status: Outcome = phase === 'build' || e.code === ERROR_CODES.BUILD_FAILED ? 'build_failed' : 'container_failed';
    return { ...none, status, errorCode: e.code, errorMessage: e.message };
  }
  // Anything else thrown here is the machinery's failure, not the agent's (a harness reports
  // its own limits through its result), so it never counts against the agent.
  if (phase === 'build') {
    return { ...none, status: 'build_failed', errorCode: ERROR_CODES.BUILD_FAILED, errorMessage: `image build: ${errorMessage(e)}` };
  }
  return { ...none, status: 'container_failed', errorCode: ERROR_CODES.CONTAINER_FAILED, errorMessage: `${phase}: ${errorMessage(e)}` };
}
