// A turn row from one model call's telemetry, as the built-in harnesses and the recording
// proxy both make it; a harness fills in what the command did.
import type { CallTelemetry } from './types.js';
import type { ModelCallError } from './errors.js';
import { emptyTurn, type TurnRecord } from '../../core/turn.js';

export function turnFromTelemetry(turnIndex: number, t: CallTelemetry): TurnRecord {
  return {
    ...emptyTurn(turnIndex),
    ttft_ms: t.ttftMs,
    model_ms: t.wallMs,
    prompt_tokens: t.promptTokens,
    cached_tokens: t.cachedTokens,
    completion_tokens: t.completionTokens,
    reasoning_tokens: t.reasoningTokens,
    reasoning_chars: t.reasoningChars,
    decode_tps: t.decodeTps,
    draft_n: t.draftN,
    draft_accepted: t.draftAccepted,
    speculative_applied: t.speculativeApplied,
    http_status: t.httpStatus,
    finish_reason: t.finishReason,
  };
}

/** The turn row of a call that failed: its HTTP status, its error code and what was timed. */
export function turnFromFailedCall(turnIndex: number, e: ModelCallError): TurnRecord {
  return {
    ...emptyTurn(turnIndex),
    ttft_ms: e.call.ttftMs,
    model_ms: e.call.wallMs,
    http_status: e.call.httpStatus,
    error_code: e.code,
  };
}
