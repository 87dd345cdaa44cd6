import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../../core/serving.js';
import { DIALECT_MODULES } from '../../serving/dialects/registry.js';

describe('dialect registry', () => {
  it('has one module per dialect, each under its own name', () => {
    expect(Object.keys(DIALECT_MODULES).sort()).toEqual([...DIALECTS].sort());
    for (const [name, mod] of Object.entries(DIALECT_MODULES)) expect(mod.dialect).toBe(name);
  });

  it('reads llama-server\'s context refusal with its counts, and nothing else as one', () => {
    const body = { error: { code: 400, message: 'request (810 tokens) exceeds the available context size (512 tokens), try increasing it', type: 'exceed_context_size_error', n_prompt_tokens: 810, n_ctx: 512 } };
    expect(DIALECT_MODULES['llama-server'].contextExceeded(400, body)).toEqual({ promptTokens: 810, contextTokens: 512 });
    const other = { error: { code: 400, message: 'invalid type for "enable_thinking" (expected boolean, got string)', type: 'invalid_request_error' } };
    expect(DIALECT_MODULES['llama-server'].contextExceeded(400, other)).toBeNull();
    expect(DIALECT_MODULES['llama-server'].contextExceeded(500, body)).toBeNull();
  });

  it('reads vLLM\'s and OpenAI\'s wording of the same refusal', () => {
    const v = { object: 'error', message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4900 in the messages, 100 in the completion).", type: 'BadRequestError', code: 400 };
    expect(DIALECT_MODULES.vllm.contextExceeded(400, { error: v })).toEqual({ contextTokens: 4096, promptTokens: 5000 });
    expect(DIALECT_MODULES.openai.contextExceeded(400, { error: { code: 'context_length_exceeded', message: 'too long' } })).toEqual({ promptTokens: null, contextTokens: null });
    expect(DIALECT_MODULES.ollama.contextExceeded(400, { error: { message: 'maximum context length' } })).toBeNull();
  });

  it('says which levers are per request and which per server', () => {
    expect(DIALECT_MODULES['llama-server'].levers).toEqual({ thinking: 'request', speculative: 'server', cache: 'server' });
    expect(DIALECT_MODULES.vllm.levers.speculative).toBe('server');
  });
});
