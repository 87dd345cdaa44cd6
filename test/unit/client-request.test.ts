import { describe, expect, it } from 'vitest';
import { chatCompletionsUrl } from '../../serving/client/create.js';
import { healthUrl } from '../../serving/control/health.js';
import { excerpt } from '../../serving/client/errors.js';
import { buildRequestBody } from '../../serving/client/request-body.js';
import { CallAccumulator } from '../../serving/client/telemetry.js';
import type { ChatRequest } from '../../serving/client/types.js';

const base: ChatRequest = { messages: [{ role: 'user', content: 'hi' }] };

describe('request body per dialect', () => {
  it('sends thinking through the field each server reads', () => {
    expect(buildRequestBody('llama-server', 'm', { ...base, thinking: false }).body.chat_template_kwargs).toEqual({ enable_thinking: false });
    expect(buildRequestBody('vllm', 'm', { ...base, thinking: true }).body.chat_template_kwargs).toEqual({ enable_thinking: true });
    const ollamaOff = buildRequestBody('ollama', 'm', { ...base, thinking: false });
    expect(ollamaOff.body.reasoning_effort).toBe('none');
    expect(ollamaOff.thinkingSent).toBe(true);
    const ollamaOn = buildRequestBody('ollama', 'm', { ...base, thinking: true });
    expect(ollamaOn.body).not.toHaveProperty('reasoning_effort');
    expect(ollamaOn.thinkingSent).toBe(false);
    const openai = buildRequestBody('openai', 'm', { ...base, thinking: false });
    expect(openai.thinkingSent).toBe(false);
    expect(openai.body).not.toHaveProperty('reasoning_effort');
    expect(buildRequestBody('llama-server', 'm', base).thinkingSent).toBeNull();
  });

  it('sends speculative parameters to llama-server only', () => {
    const spec = { nMax: 16, nMin: 1, pMin: 0.6 };
    const llama = buildRequestBody('llama-server', 'm', { ...base, speculative: spec });
    expect(llama.speculativeSent).toBe(true);
    expect(llama.body).toMatchObject({ 'speculative.n_max': 16, 'speculative.n_min': 1, 'speculative.p_min': 0.6 });
    for (const d of ['vllm', 'ollama', 'openai'] as const) {
      const b = buildRequestBody(d, 'm', { ...base, speculative: spec });
      expect(b.speculativeSent).toBe(false);
      expect(Object.keys(b.body).some((k) => k.startsWith('speculative'))).toBe(false);
    }
  });

  it('always streams with usage, and lets extra body fields win', () => {
    const b = buildRequestBody('vllm', 'm', { ...base, maxTokens: 5, extraBody: { stream_options: { include_usage: false }, min_p: 0.1 } }).body;
    expect(b.stream).toBe(true);
    expect(b.max_tokens).toBe(5);
    expect(b.min_p).toBe(0.1);
    expect(b.stream_options).toEqual({ include_usage: false });
  });
});

describe('telemetry from chunks', () => {
  const args = { sentAt: 0, endedAt: 1000, httpStatus: 200, speculativeSent: false, speculativeAsked: false, thinkingSent: null };

  it('reads llama-server timings, preferring cache_n', () => {
    const acc = new CallAccumulator();
    expect(acc.add({ choices: [{ delta: { content: '' } }] }, 10)).toBe(false); // empty content is no token
    expect(acc.add({ choices: [{ delta: { reasoning_content: 'hm' } }] }, 100)).toBe(true);
    acc.add({ choices: [{ delta: { content: 'ok' }, finish_reason: 'stop' }] }, 200);
    acc.add({ choices: [], usage: { prompt_tokens: 90, completion_tokens: 12, prompt_tokens_details: { cached_tokens: 1 } }, timings: { prompt_n: 10, cache_n: 80, predicted_n: 12, predicted_per_second: 41.5, draft_n: 6, draft_n_accepted: 4 } }, 300);
    const t = acc.telemetry({ ...args, dialect: 'llama-server', speculativeAsked: true, speculativeSent: true });
    expect(t).toMatchObject({ ttftMs: 100, wallMs: 1000, promptTokens: 90, cachedTokens: 80, completionTokens: 12, decodeTps: 41.5, draftN: 6, draftAccepted: 4, speculativeApplied: true, reasoningChars: 2, reasoningTokens: null, finishReason: 'stop' });
  });

  it('speculative sent but no draft_n: not applied', () => {
    const acc = new CallAccumulator();
    acc.add({ choices: [{ delta: { content: 'x' }, finish_reason: 'stop' }], timings: { predicted_per_second: 40 } }, 5);
    expect(acc.telemetry({ ...args, dialect: 'llama-server', speculativeAsked: true, speculativeSent: true }).speculativeApplied).toBe(false);
  });

  it('computes decode speed over the gaps after the first token, null where it cannot', () => {
    const acc = new CallAccumulator();
    acc.add({ choices: [{ delta: { content: 'x' } }] }, 500);
    acc.add({ choices: [], usage: { completion_tokens: 11 } }, 900);
    // 10 tokens after the first over 0.5 s
    expect(acc.telemetry({ ...args, dialect: 'vllm' }).decodeTps).toBeCloseTo(20);
    const one = new CallAccumulator();
    one.add({ choices: [{ delta: { content: 'x' } }], usage: { completion_tokens: 1 } }, 500);
    expect(one.telemetry({ ...args, dialect: 'vllm' }).decodeTps).toBeNull();
  });

  it('ignores llama-server timings for other dialects and leaves missing figures null', () => {
    const acc = new CallAccumulator();
    acc.add({ choices: [{ delta: { content: 'x' }, finish_reason: 'stop' }], timings: { cache_n: 50, draft_n: 3 } }, 1);
    const t = acc.telemetry({ ...args, dialect: 'openai' });
    expect(t).toMatchObject({ cachedTokens: null, draftN: null, promptTokens: null, completionTokens: null, reasoningTokens: null });
  });
});

describe('small pieces', () => {
  it('builds the completions URL with or without /v1', () => {
    expect(chatCompletionsUrl('http://h:1')).toBe('http://h:1/v1/chat/completions');
    expect(chatCompletionsUrl('http://h:1/')).toBe('http://h:1/v1/chat/completions');
    expect(chatCompletionsUrl('https://api.x.com/v1/')).toBe('https://api.x.com/v1/chat/completions');
  });

  it('puts health routes at the server root whether or not the base URL ends in /v1', () => {
    expect(healthUrl('http://h:1/v1', 'llama-server')).toBe('http://h:1/health');
    expect(healthUrl('http://h:1/', 'vllm')).toBe('http://h:1/health');
    expect(healthUrl('http://h:1/v1/', 'ollama')).toBe('http://h:1/');
    expect(healthUrl('https://api.x.com/v1', 'openai')).toBe('https://api.x.com/v1/models');
    expect(healthUrl('https://api.x.com', 'openai')).toBe('https://api.x.com/v1/models');
  });

  it('blanks a secret out of an excerpt and keeps it short', () => {
    expect(excerpt('key sk-1 and\nsk-1 again', 'sk-1')).toBe('key *** and *** again');
    expect(excerpt('x'.repeat(1000), null).length).toBeLessThan(310);
  });
});
