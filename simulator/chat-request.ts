// Reads a /v1/chat/completions body the way llama-server does, keeping only what the
// simulator acts on, and reports every problem at once.

import { readToolCalls } from './tool-request.js';
import type { WireMessage } from './tokens.js';

export interface SimChatRequest {
  messages: WireMessage[];
  stream: boolean;
  includeUsage: boolean;
  thinking: boolean;
  maxTokens: number | null;
  /** The request's `tools`, as sent (an empty list when none). */
  tools: unknown[];
  /** false when the request says `cache_prompt: false`: no prefix reuse for it. */
  cachePrompt: boolean;
}

export type ParsedChatRequest = { ok: true; request: SimChatRequest } | { ok: false; problems: string[] };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Message content as text: a string, or the text parts of an array of parts. */
function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (Array.isArray(content)) {
    return content.map((p) => (isRecord(p) && typeof p.text === 'string' ? p.text : '')).join('');
  }
  return null;
}

export function parseChatRequest(body: unknown): ParsedChatRequest {
  const problems: string[] = [];
  if (!isRecord(body)) return { ok: false, problems: ['body: must be a JSON object'] };

  const messages: WireMessage[] = [];
  if (!Array.isArray(body.messages) || body.messages.length === 0) problems.push('messages: must be a non-empty array');
  else {
    body.messages.forEach((m, i) => {
      if (!isRecord(m) || typeof m.role !== 'string') {
        problems.push(`messages.${i}.role: must be a string`);
        return;
      }
      const text = contentText(m.content);
      const calls = readToolCalls(m.tool_calls, `messages.${i}.tool_calls`, problems);
      if (text === null) problems.push(`messages.${i}.content: must be a string or an array of parts`);
      else messages.push(calls.length > 0 ? { role: m.role, content: text, toolCalls: calls } : { role: m.role, content: text });
    });
  }

  const kwargs = isRecord(body.chat_template_kwargs) ? body.chat_template_kwargs : {};
  // llama-server refuses a non-boolean switch rather than guess what the string means.
  if (kwargs.enable_thinking !== undefined && typeof kwargs.enable_thinking !== 'boolean') {
    problems.push(`invalid type for "enable_thinking" (expected boolean, got ${typeof kwargs.enable_thinking})`);
  }
  const thinking = !(kwargs.enable_thinking === false || body.reasoning_effort === 'none');
  // `speculative.*` keys are not read: current llama-server builds ignore them per request.

  const maxRaw = body.max_tokens ?? body.max_completion_tokens ?? body.n_predict;
  let maxTokens: number | null = null;
  if (maxRaw !== undefined && maxRaw !== null) {
    if (typeof maxRaw === 'number' && Number.isInteger(maxRaw)) maxTokens = maxRaw < 0 ? null : maxRaw;
    else problems.push('max_tokens: must be an integer');
  }

  const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
  if (body.tools !== undefined && body.tools !== null && !Array.isArray(body.tools)) problems.push('tools: must be an array');
  if (body.cache_prompt !== undefined && typeof body.cache_prompt !== 'boolean') problems.push('cache_prompt: must be a boolean');
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    request: {
      messages,
      stream: body.stream === true,
      includeUsage: streamOptions.include_usage === true,
      thinking,
      maxTokens,
      tools: Array.isArray(body.tools) ? body.tools : [],
      cachePrompt: body.cache_prompt !== false,
    },
  };
}
