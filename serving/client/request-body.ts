// Builds the /v1/chat/completions body for one dialect. Each server takes thinking and
// speculative settings through different fields (its module in serving/dialects/ says which);
// what a dialect cannot take is left out and reported back so telemetry can say "not sent".

import type { ChatRequest } from './types.js';
import type { Dialect } from '../../core/serving.js';
import { dialectModule } from '../dialects/registry.js';

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
  const d = dialectModule(dialect);
  if (request.maxTokens !== undefined) body[d.maxTokensField] = request.maxTokens;
  const thinkingSent = request.thinking === undefined ? null : d.thinking(request.thinking, body);
  const speculativeSent = request.speculative ? d.speculative(request.speculative, body) : false;
  if (request.extraBody) Object.assign(body, request.extraBody);
  return { body, thinkingSent, speculativeSent };
}
