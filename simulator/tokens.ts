// The simulated tokenizer and chat template. Deterministic and cheap: one token per 4
// characters of the rendered text, counted from the start, so a shared text prefix is a
// shared token prefix (what the prefix cache compares).

export const CHARS_PER_TOKEN = 4;

export interface WireToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface WireMessage {
  role: string;
  content: string;
  /** Calls an assistant message made (native function calling). */
  toolCalls?: WireToolCall[];
}

export function tokenCount(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * What Qwen3's template appends to the generation prompt when thinking is off: an empty think
 * block the model writes after. History renders an earlier reply without it, so the next
 * turn's prompt parts from the slot's cache there and the reply is processed again.
 */
export const EMPTY_THINK = '<think>\n\n</think>\n\n';

/** A ChatML-style template (as Qwen-class models use); history keeps content only, not reasoning. */
export function renderPrompt(messages: WireMessage[], tools: readonly unknown[] = [], thinking = true): string {
  // Offered tools sit at the top of the prompt, as Qwen-class templates put them.
  let out = tools.length === 0 ? '' : `<|im_start|>system\n<tools>\n${tools.map((t) => JSON.stringify(t)).join('\n')}\n</tools><|im_end|>\n`;
  for (const m of messages) out += `<|im_start|>${m.role}\n${m.content}${renderToolCalls(m.toolCalls ?? [])}<|im_end|>\n`;
  return `${out}<|im_start|>assistant\n${thinking ? '' : EMPTY_THINK}`;
}

/** Tool calls as Qwen-class templates write them, so a call costs tokens and its history caches. */
export function renderToolCalls(calls: readonly WireToolCall[]): string {
  return calls.map((c) => `\n<tool_call>\n{"name": ${JSON.stringify(c.name)}, "arguments": ${c.arguments}}\n</tool_call>`).join('');
}

/** What the slot holds after generating: the reasoning block (if any), the content, any tool calls, the end marker. */
export function renderGenerated(reasoning: string, content: string, toolCalls: readonly WireToolCall[] = []): string {
  const think = reasoning === '' ? '' : `<think>\n${reasoning}\n</think>\n\n`;
  return `${think}${content}${renderToolCalls(toolCalls)}<|im_end|>`;
}

/** The first `tokens` tokens of a text (cuts for max_tokens). */
export function takeTokens(text: string, tokens: number): string {
  return text.slice(0, Math.max(0, tokens) * CHARS_PER_TOKEN);
}
