// What the loop does after a reply, as pure decisions: a broken reply gets one correction,
// a second in a row ends the turn with nothing run, a reply cut at max tokens (or by a full
// context) that cannot be parsed ends the trial; a completion claim is believed at once (terse) or on the
// second ask (json).

import { JSON_CONFIRM_COMPLETE } from '../../core/contracts.js';
import type { ReplyContract } from './replies.js';
import type { CallTelemetry } from '../../serving/client/types.js';

export type ViolationDecision =
  | { kind: 'output_limit' }
  | { kind: 'context_limit' }
  | { kind: 'correct'; feedback: string; violationsInARow: number }
  | { kind: 'skip'; feedback: string; violationsInARow: number };

/** What cut a reply short: the per-turn output cap, the server's context filling up, or nothing. */
export type ReplyCut = 'output_cap' | 'context' | null;

/**
 * finish_reason "length" means either cap: a reply shorter than the output cap was cut
 * because the context filled (llama-server stops a slot when prompt + output reach n_ctx).
 */
export function cutBy(t: Pick<CallTelemetry, 'finishReason' | 'completionTokens'>, maxOutputTokens: number): ReplyCut {
  if (t.finishReason !== 'length') return null;
  return t.completionTokens !== null && t.completionTokens < maxOutputTokens ? 'context' : 'output_cap';
}

export function onViolation(contract: ReplyContract, problem: string, cut: ReplyCut, violationsInARow: number): ViolationDecision {
  if (cut === 'output_cap') return { kind: 'output_limit' };
  if (cut === 'context') return { kind: 'context_limit' };
  if (violationsInARow === 0) return { kind: 'correct', feedback: contract.correction(problem), violationsInARow: 1 };
  return { kind: 'skip', feedback: contract.skipped(problem), violationsInARow: 0 };
}

export type CompletionDecision = { kind: 'done' } | { kind: 'confirm'; feedback: string };

export function onComplete(contract: ReplyContract, pendingConfirmation: boolean, observation: string | null): CompletionDecision {
  if (!contract.confirmsCompletion || pendingConfirmation) return { kind: 'done' };
  return { kind: 'confirm', feedback: observation === null ? JSON_CONFIRM_COMPLETE : `${observation}\n\n${JSON_CONFIRM_COMPLETE}` };
}
