// The llama-server response shapes the simulated server sends: chunks, usage, timings.
// Field names as llama-server (tools/server) spells them.

import type { CostResult } from './cost-model.js';
import { SIMULATED_FINGERPRINT } from './options.js';
import type { WireToolCall } from './tokens.js';
import { toolCallsMessage, type ToolCallDelta } from './tool-wire.js';

export interface Timings {
  prompt_n: number;
  prompt_ms: number;
  prompt_per_token_ms: number;
  prompt_per_second: number;
  cache_n: number;
  predicted_n: number;
  predicted_ms: number;
  predicted_per_token_ms: number;
  predicted_per_second: number;
  draft_n?: number;
  draft_n_accepted?: number;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function timingsOf(cost: CostResult): Timings {
  const t: Timings = {
    prompt_n: cost.promptN,
    prompt_ms: round3(cost.promptMs),
    prompt_per_token_ms: round3(cost.promptMs / cost.promptN),
    prompt_per_second: round3(cost.promptMs > 0 ? (cost.promptN * 1000) / cost.promptMs : 0),
    cache_n: cost.cacheN,
    predicted_n: cost.predictedN,
    predicted_ms: round3(cost.predictedMs),
    predicted_per_token_ms: round3(cost.predictedN > 0 ? cost.predictedMs / cost.predictedN : 0),
    predicted_per_second: round3(cost.predictedPerSecond),
  };
  // Present only when drafting ran, as on llama-server.
  if (cost.draftN !== null && cost.draftAccepted !== null) {
    t.draft_n = cost.draftN;
    t.draft_n_accepted = cost.draftAccepted;
  }
  return t;
}

export function usageOf(cost: CostResult, promptTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: cost.predictedN,
    total_tokens: promptTokens + cost.predictedN,
    prompt_tokens_details: { cached_tokens: cost.cacheN },
  };
}

export interface Delta {
  role?: 'assistant';
  content?: string | null;
  reasoning_content?: string;
  tool_calls?: ToolCallDelta['tool_calls'];
}

export interface ChunkHead {
  id: string;
  created: number;
  model: string;
}

export function chunk(head: ChunkHead, delta: Delta, finishReason: string | null, extra: Record<string, unknown> = {}): string {
  return sse({
    choices: [{ index: 0, delta, finish_reason: finishReason }],
    created: head.created,
    id: head.id,
    model: head.model,
    system_fingerprint: SIMULATED_FINGERPRINT,
    object: 'chat.completion.chunk',
    ...extra,
  });
}

export function usageChunk(head: ChunkHead, usage: Usage, timings: Timings): string {
  return sse({
    choices: [],
    created: head.created,
    id: head.id,
    model: head.model,
    system_fingerprint: SIMULATED_FINGERPRINT,
    object: 'chat.completion.chunk',
    usage,
    timings,
  });
}

export function sse(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';

export function completion(
  head: ChunkHead,
  message: { content: string; reasoning: string; toolCalls?: readonly WireToolCall[] },
  finishReason: string,
  usage: Usage,
  timings: Timings,
): Record<string, unknown> {
  const calls = message.toolCalls ?? [];
  const msg: Record<string, unknown> = { role: 'assistant', content: calls.length > 0 && message.content === '' ? null : message.content };
  if (message.reasoning !== '') msg.reasoning_content = message.reasoning;
  if (calls.length > 0) msg.tool_calls = toolCallsMessage(calls);
  return {
    choices: [{ finish_reason: finishReason, index: 0, message: msg }],
    created: head.created,
    id: head.id,
    model: head.model,
    system_fingerprint: SIMULATED_FINGERPRINT,
    object: 'chat.completion',
    usage,
    timings,
  };
}

export function errorBody(code: number, message: string, type: string): Record<string, unknown> {
  return { error: { code, message, type } };
}
