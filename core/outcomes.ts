// Every trial ends with exactly one of these codes, stored as-is in trials.status.
// Agent outcomes count toward pass rates; substrate outcomes are the machine's fault
// (container, verifier, serving layer) and are kept out of every denominator.

export const AGENT_OUTCOMES = [
  'pass',
  'fail',
  'agent_timeout', // the task's [agent] timeout_sec ran out; the verifier still ran
  'turn_limit', // the harness reached its max turns without saying done
  'output_limit', // a reply hit max output tokens per turn and could not be used
  'harness_error', // the harness's own code threw: the variant's fault, so it counts against it
  'context_limit', // the conversation outgrew the server's context: a prompt refused as too long, or a reply cut when the context filled
  'output_rejected', // the server's own chat parser refused what the model produced (llama-server's mid-stream error)
] as const;

export const SUBSTRATE_OUTCOMES = [
  'reward_missing',
  'reward_empty',
  'reward_invalid',
  'verifier_timeout',
  'build_failed',
  'container_failed',
  'serving_failed',
] as const;

// Not outcomes: a row in flight, or one torn down by Ctrl-C (re-run on resume).
export const PENDING_STATUSES = ['running', 'interrupted'] as const;

export type AgentOutcome = (typeof AGENT_OUTCOMES)[number];
export type SubstrateOutcome = (typeof SUBSTRATE_OUTCOMES)[number];
export type Outcome = AgentOutcome | SubstrateOutcome;
export type TrialStatus = Outcome | (typeof PENDING_STATUSES)[number];

export function isSubstrateOutcome(s: string): s is SubstrateOutcome {
  return (SUBSTRATE_OUTCOMES as readonly string[]).includes(s);
}

export function isAgentOutcome(s: string): s is AgentOutcome {
  return (AGENT_OUTCOMES as readonly string[]).includes(s);
}
