// Typed errors with stable codes. The code lands in SQLite (trials.error_code, turns.error_code)
// exactly as written here, so never rename one: add a new code instead.

import type { Outcome } from './outcomes.js';

export const ERROR_CODES = {
  // tasks and input
  TASK_INVALID: 'PB_TASK_INVALID',
  TASK_NOT_FOUND: 'PB_TASK_NOT_FOUND',
  CONFIG_INVALID: 'PB_CONFIG_INVALID',
  // container engine
  ENGINE_UNAVAILABLE: 'PB_ENGINE_UNAVAILABLE',
  BUILD_FAILED: 'PB_BUILD_FAILED',
  CONTAINER_FAILED: 'PB_CONTAINER_FAILED',
  CONTAINER_GONE: 'PB_CONTAINER_GONE',
  FILE_NOT_REGULAR: 'PB_FILE_NOT_REGULAR',
  FILE_TOO_LARGE: 'PB_FILE_TOO_LARGE',
  // the agents' network cannot be guarded: pairbench could not set its firewall rules (IPv4,
  // or IPv6 where the bridge carries it), or the engine's bridge is not the one the rules
  // name. The sweep refuses to run installed agents rather than leave the host reachable
  NETWORK_UNGUARDED: 'PB_NETWORK_UNGUARDED',
  // the task's [environment.healthcheck] (or a compose service's) never passed: the
  // environment's failure, never the agent's (outcome container_failed)
  ENVIRONMENT_UNHEALTHY: 'PB_ENVIRONMENT_UNHEALTHY',
  // verifier
  REWARD_MISSING: 'PB_REWARD_MISSING',
  REWARD_EMPTY: 'PB_REWARD_EMPTY',
  REWARD_INVALID: 'PB_REWARD_INVALID',
  VERIFIER_TIMEOUT: 'PB_VERIFIER_TIMEOUT',
  // serving layer
  SERVING_REFUSED: 'PB_SERVING_REFUSED',
  SERVING_HTTP: 'PB_SERVING_HTTP',
  SERVING_NO_FIRST_TOKEN: 'PB_SERVING_NO_FIRST_TOKEN',
  SERVING_STALLED: 'PB_SERVING_STALLED',
  SERVING_MALFORMED: 'PB_SERVING_MALFORMED',
  SERVING_NOT_READY: 'PB_SERVING_NOT_READY',
  SERVING_START_FAILED: 'PB_SERVING_START_FAILED',
  // a sweep's own stop: serving failures ran on, or the server did not come back (the breaker)
  SERVING_HALTED: 'PB_SERVING_HALTED',
  // model calls that end a trial as the agent's outcome: what the harness sent or the model produced
  CONTEXT_LIMIT: 'PB_CONTEXT_LIMIT',
  OUTPUT_REJECTED: 'PB_OUTPUT_REJECTED',
  // agent harnesses (turn-level: a turn row's error_code; the trial goes on)
  COMMAND_TIMEOUT: 'PB_COMMAND_TIMEOUT',
  CONTRACT_VIOLATION: 'PB_CONTRACT_VIOLATION',
  // verifier evidence: the bind proven writable before the agent starts; a verifier that
  // exits non-zero without a reward has said the tests failed
  VERIFIER_BIND_UNWRITABLE: 'PB_VERIFIER_BIND_UNWRITABLE',
  VERIFIER_FAILED: 'PB_VERIFIER_FAILED',
  // agent harnesses: the harness's own code threw (outcome harness_error, the agent's family)
  HARNESS_ERROR: 'PB_HARNESS_ERROR',
  // sweeps
  SWEEP_NOT_FOUND: 'PB_SWEEP_NOT_FOUND',
  SWEEP_FAILED: 'PB_SWEEP_FAILED',
  SWEEP_NOT_RESUMABLE: 'PB_SWEEP_NOT_RESUMABLE',
  SWEEP_LEASED: 'PB_SWEEP_LEASED',
  SWEEP_TASK_CHANGED: 'PB_SWEEP_TASK_CHANGED',
  INTERRUPTED: 'PB_INTERRUPTED',
  // trial workers: the thread itself died or was never built
  WORKER_FAILED: 'PB_WORKER_FAILED',
  WORKER_MISSING: 'PB_WORKER_MISSING',
  // the SQLite store
  STORE_UNAVAILABLE: 'PB_STORE_UNAVAILABLE',
  STORE_CORRUPT: 'PB_STORE_CORRUPT',
  STORE_READ_ONLY: 'PB_STORE_READ_ONLY',
  STORE_FOREIGN: 'PB_STORE_FOREIGN',
  STORE_TOO_NEW: 'PB_STORE_TOO_NEW',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export class PairbenchError extends Error {
  readonly code: ErrorCode;
  /** The trial outcome this error maps to when it ends a trial, if any. */
  readonly outcome: Outcome | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; outcome?: Outcome }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.outcome = options?.outcome;
  }
}

/** Bad user input: one message listing every problem, and what to do about it. */
export class ValidationError extends PairbenchError {
  readonly problems: string[];
  constructor(code: ErrorCode, subject: string, problems: string[]) {
    super(code, `${subject}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

export function isPairbenchError(e: unknown): e is PairbenchError {
  return e instanceof PairbenchError;
}

/** A one-line message for logs and the store; never a stack trace. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
