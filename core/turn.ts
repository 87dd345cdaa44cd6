// A turn: one model call plus the command it led to, as harnesses and the proxy see it.
// The store maps it to the turns table column for column.

/** One model call plus the command it led to. Null where the server or harness has no figure. */
export interface TurnRecord {
  turn_index: number;
  ttft_ms: number | null;
  model_ms: number | null;
  prompt_tokens: number | null;
  cached_tokens: number | null;
  completion_tokens: number | null;
  reasoning_tokens: number | null;
  reasoning_chars: number | null;
  decode_tps: number | null;
  draft_n: number | null;
  draft_accepted: number | null;
  speculative_applied: boolean | null;
  http_status: number | null;
  finish_reason: string | null;
  exec_ms: number | null;
  wait_ms: number | null;
  exit_code: number | null;
  parse_ok: boolean | null;
  command: string | null;
  error_code: string | null;
  /** Tool calls the reply made, and their names comma-separated; what only the recording proxy sees. */
  tool_calls?: number | null;
  tool_names?: string | null;
}

export function emptyTurn(turnIndex: number): TurnRecord {
  return {
    turn_index: turnIndex,
    ttft_ms: null, model_ms: null, prompt_tokens: null, cached_tokens: null, completion_tokens: null,
    reasoning_tokens: null, reasoning_chars: null, decode_tps: null, draft_n: null, draft_accepted: null,
    speculative_applied: null, http_status: null, finish_reason: null, exec_ms: null, wait_ms: null,
    exit_code: null, parse_ok: null, command: null, error_code: null,
  };
}
