// The simulated tokenizer and chat template. Deterministic and cheap: one token per 4
// characters of the rendered text, counted from the start, so a shared text prefix is a
// shared token prefix (what the prefix cache compares).

export const CHARS_PER_TOKEN = 4;

export interface WireMessage {
  role: string;
  content: string;
}

export function tokenCount(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** A ChatML-style template (as Qwen-class models use); history keeps content only, not reasoning. */
export function renderPrompt(messages: WireMessage[]): string {
  let out = '';
  for (const m of messages) out += `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`;
  return `${out}<|im_start|>assistant\n`;
}

/** What the slot holds after generating: the reasoning block (if any), the content, the end marker. */
export function renderGenerated(reasoning: string, content: string): string {
  const think = reasoning === '' ? '' : `<think>\n${reasoning}\n</think>\n\n`;
  return `${think}${content}<|im_end|>`;
}

/** The first `tokens` tokens of a text (cuts for max_tokens). */
export function takeTokens(text: string, tokens: number): string {
  return text.slice(0, Math.max(0, tokens) * CHARS_PER_TOKEN);
}
