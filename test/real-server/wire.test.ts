// pairbench's model client against the real llama-server: telemetry fields from usage and
// timings, a growing cached share across turns on one slot, and an empty cache after a restart.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelClient } from '../../serving/client/create.js';
import type { ChatMessage } from '../../serving/client/types.js';
import { startLlamaServer, type RunningServer } from './support/llama-server.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startLlamaServer({ ctx: 2048 });
});
afterAll(async () => {
  await server?.stop();
});

const SYSTEM = `You are a shell agent. ${'Follow the rules of the task exactly. '.repeat(20)}`;

describe('the model client against a real llama-server', () => {
  it('reads prompt, cached and output tokens from usage and timings, and the cache grows turn over turn', async () => {
    const client = createModelClient({ baseUrl: server.url, model: 'tiny', dialect: 'llama-server', apiKeyEnv: null, simulated: false });
    const messages: ChatMessage[] = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'List the files.' },
    ];
    const first = await client.chat({ messages, thinking: false, maxTokens: 24, temperature: 0, seed: 1 });
    expect(first.telemetry.httpStatus).toBe(200);
    expect(first.telemetry.promptTokens).toBeGreaterThan(100);
    expect(first.telemetry.cachedTokens).toBe(0);
    expect(first.telemetry.completionTokens).toBeGreaterThan(0);
    expect(first.telemetry.ttftMs).not.toBeNull();

    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: 'exit code 0' });
    const second = await client.chat({ messages, thinking: false, maxTokens: 24, temperature: 0, seed: 1 });
    // The system prompt and first user turn are a shared prefix: most of it comes from the cache.
    expect(second.telemetry.cachedTokens).toBeGreaterThan(100);
    expect(second.telemetry.promptTokens).toBeGreaterThan(first.telemetry.promptTokens!);
  });
});
