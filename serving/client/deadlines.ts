// The deadlines that tell a stalled serving layer from a slow agent. With the old fixed
// defaults (first token 600 s, idle 120 s) far above most tasks' agent timeouts, a server
// wedged mid-turn ran the agent into its timeout and was recorded as the agent's failure.
// Derived from the agent timeout instead, a stall is caught while the agent still has time,
// and is recorded as the serving layer's.

import { DEFAULT_FIRST_TOKEN_MS, DEFAULT_IDLE_MS } from './create.js';

/** Never below this: a loaded CPU server may take seconds before its first token. */
export const MIN_DEADLINE_MS = 5_000;

export interface ServingDeadlines {
  firstTokenMs: number;
  idleMs: number;
}

/** First token within a third of the agent's time, no silence longer than a quarter of it. */
export function deadlinesFor(agentTimeoutSec: number, explicit: Partial<ServingDeadlines> = {}): ServingDeadlines {
  const agentMs = agentTimeoutSec * 1000;
  return {
    firstTokenMs: explicit.firstTokenMs ?? Math.min(DEFAULT_FIRST_TOKEN_MS, Math.max(MIN_DEADLINE_MS, Math.round(agentMs / 3))),
    idleMs: explicit.idleMs ?? Math.min(DEFAULT_IDLE_MS, Math.max(MIN_DEADLINE_MS, Math.round(agentMs / 4))),
  };
}
