// What the loop does after a reply, as pure decisions: a broken reply gets one correction,
// a second in a row ends the turn with nothing run, a reply cut at max tokens that cannot
// be parsed ends the trial; a completion claim is believed at once (terse) or on the
// second ask (json).

import { JSON_CONFIRM_COMPLETE } from '../../core/contracts.js';
import type { ReplyContract } from './replies.js';

export type ViolationDecision =
  | { kind: 'output_limit' }
  | { kind: 'correct'; feedback: string; violationsInARow: number }
  | { kind: 'skip'; feedback: string; violationsInARow: number };

export function onViolation(contract: ReplyContract, problem: string, finishReason: string | null, violationsInARow: number): ViolationDecision {
  if (finishReason === 'length') return { kind: 'output_limit' };
  if (violationsInARow === 0) return { kind: 'correct', feedback: contract.correction(problem), violationsInARow: 1 };
  return { kind: 'skip', feedback: contract.skipped(problem), violationsInARow: 0 };
}

export type CompletionDecision = { kind: 'done' } | { kind: 'confirm'; feedback: string };

export function onComplete(contract: ReplyContract, pendingConfirmation: boolean, observation: string | null): CompletionDecision {
  if (!contract.confirmsCompletion || pendingConfirmation) return { kind: 'done' };
  return { kind: 'confirm', feedback: observation === null ? JSON_CONFIRM_COMPLETE : `${observation}\n\n${JSON_CONFIRM_COMPLETE}` };
}
