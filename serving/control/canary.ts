// The canary: one fixed, tiny request whose wall time tracks how the server is doing. Its
// latency right after a restart is the baseline; later ones are compared against it.

import type { ServingEndpoint } from '../../core/serving.js';
import { createModelClient } from '../client/create.js';
import type { ChatRequest } from '../client/types.js';

export const CANARY_REQUEST: ChatRequest = {
  messages: [
    { role: 'system', content: 'You are a health check. Answer with one word.' },
    { role: 'user', content: 'Reply with the single word: ok' },
  ],
  maxTokens: 8,
  temperature: 0,
  seed: 0,
  // A reasoning block would swamp the figure with decode time unrelated to the server's health.
  thinking: false,
};

export interface CanaryReading {
  latencyMs: number;
  ttftMs: number | null;
}

export async function runCanary(endpoint: ServingEndpoint, timeoutMs: number): Promise<CanaryReading> {
  const client = createModelClient(endpoint, { firstTokenMs: timeoutMs, idleMs: timeoutMs });
  const { telemetry } = await client.chat({ ...CANARY_REQUEST, hints: { task: '__pairbench_canary__' } });
  return { latencyMs: telemetry.wallMs, ttftMs: telemetry.ttftMs };
}

/** The early-restart reason, or null while the canary is within factor x baseline. */
export function canaryVerdict(latencyMs: number, baselineMs: number, factor: number): string | null {
  if (latencyMs <= factor * baselineMs) return null;
  return `canary: ${Math.round(latencyMs)} ms > ${factor}x baseline ${Math.round(baselineMs)} ms`;
}
