// Builds the /v1/chat/completions body for one dialect. Each server takes thinking and
// speculative settings through different fields (see docs in serving-apis); what a dialect
// cannot take is left out and reported back so telemetry can say "not sent".

import type { ChatRequest } from './types.js';
import type { Dialect } from '../../core/serving.js';

export interface BuiltBody {
  body: Record<string, unknown>;
  /** true: the thinking switch went out; false: asked for but this dialect has no field; null: not asked. */
  thinkingSent: boolean | null;
  /** Whether speculative parameters went out in the body. */
  speculativeSent: boolean;
}

export function buildRequestBody(dialect: Dialect, model: string, request: ChatRequest): BuiltBody {
  const body: Record<string, unknown> = {
    model,
    messages: request.messages,
    stream: true,
    stream_options: { include_usage: true },
  };
  if (request.tools !== undefined && request.tools.length > 0) body.tools = request.tools;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.maxTokens !== undefined) {
    // OpenAI's reasoning models reject max_tokens; the others all take it.
    body[dialect === 'openai' ? 'max_completion_tokens' : 'max_tokens'] = request.maxTokens;
  }

  const thinkingSent = applyThinking(dialect, request.thinking, body);

  let speculativeSent = false;
  const spec = request.speculative;
  // Only llama-server takes per-request draft settings (older builds; newer ones ignore them,
  // which timings.draft_n then shows). vLLM and Ollama fix them at startup.
  if (spec && dialect === 'llama-server') {
    body['speculative.n_max'] = spec.nMax;
    if (spec.nMin !== undefined) body['speculative.n_min'] = spec.nMin;
    if (spec.pMin !== undefined) body['speculative.p_min'] = spec.pMin;
    speculativeSent = true;
  }

  if (request.extraBody) Object.assign(body, request.extraBody);
  return { body, thinkingSent, speculativeSent };
}

function applyThinking(dialect: Dialect, thinking: boolean | undefined, body: Record<string, unknown>): boolean | null {
  if (thinking === undefined) return null;
  switch (dialect) {
    case 'llama-server':
    case 'vllm':
      // A JSON boolean: llama-server rejects the string "false".
      body.chat_template_kwargs = { enable_thinking: thinking };
      return true;
    case 'ollama':
      // Ollama's /v1 has an off switch only; on is its default for thinking models.
      if (thinking) return false;
      body.reasoning_effort = 'none';
      return true;
    case 'openai':
      // OpenAI models disagree on which reasoning_effort values they accept (some reject the
      // field outright), so no guess is sent; a caller who knows passes it in extraBody.
      return false;
  }
}
