// The thinking and speculative levers, as they reach the model call.

import type { ChatMessage, ChatRequest, SpeculativeParams } from '../../serving/client/types.js';
import type { HarnessLimits, Levers } from '../../core/harness.js';

/** Draft settings sent when the speculative lever is on (a small draft model, p_min 0.75 from the seeds). */
export const SPECULATIVE_PARAMS: SpeculativeParams = { nMax: 12, nMin: 0, pMin: 0.75 };

export function buildChatRequest(
  messages: ChatMessage[],
  levers: Levers,
  limits: HarnessLimits,
  hints: { task: string; trial: string },
  signal: AbortSignal,
  tools: readonly unknown[] = [],
): ChatRequest {
  return {
    messages,
    ...(tools.length > 0 && { tools }),
    thinking: levers.thinking, // always explicit: a server's default is not a lever setting
    speculative: levers.speculative ? SPECULATIVE_PARAMS : null,
    maxTokens: limits.maxOutputTokens,
    hints,
    signal,
  };
}
