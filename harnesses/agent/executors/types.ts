// The state lever behind one small interface: where a reply's actions run and how the
// harness learns what they did. host-exec: one engine exec per command, state on the host.
// tmux: keystrokes into a terminal inside the container, state in that terminal.

import type { Levers } from '../../../core/harness.js';

/** One thing a reply asks for: a shell command (terse contract) or keystrokes (json contract). */
export type Action =
  | { kind: 'command'; command: string }
  | { kind: 'keystrokes'; keys: string; durationSec: number };

export interface ActionOutcome {
  /** What the model is shown next (before the observation budget is applied). */
  observation: string;
  /** The text actually run or typed, for the turn row; null when nothing ran. */
  command: string | null;
  exitCode: number | null; // null: unknown (tmux) or killed by the timeout
  timedOut: boolean;
  /** Time spent in engine execs (commands, tmux send/capture). */
  execMs: number;
  /** The harness's own waiting: tmux durations and settle polling. */
  waitMs: number;
  /** Set when the agent timeout fired while running: the outcome is partial. */
  aborted: boolean;
}

export interface Executor {
  readonly kind: Levers['state'];
  start(signal: AbortSignal): Promise<void>;
  run(actions: Action[], signal: AbortSignal): Promise<ActionOutcome>;
}

export interface ExecutorOptions {
  commandTimeoutMs: number;
  /** Cap on one exec's captured output; the observation budget cuts further. */
  maxOutputBytes: number;
}
