// vLLM's OpenAI-compatible server (vllm/entrypoints/openai/).

import type { DialectModule } from './types.js';
import { errorObject, num, usageFigures } from './types.js';

export const vllm: DialectModule = {
  dialect: 'vllm',
  // --speculative-config and --enable-prefix-caching are engine arguments: start-up only.
  levers: { thinking: 'request', speculative: 'server', cache: 'server' },
  maxTokensField: 'max_tokens',
  thinking(on, body) {
    body.chat_template_kwargs = { enable_thinking: on };
    return true;
  },
  speculative() {
    return false;
  },
  prefixCacheOff() {
    return false; // fixed when the server starts
  },
  figures(u) {
    // cached_tokens only with --enable-prompt-tokens-details, and omitted when 0.
    return { ...usageFigures(u), decodeTps: null, draftN: null, draftAccepted: null };
  },
  // Nothing answers until the engine is ready; then 200, or 503 once the engine died.
  health: { under: 'root', route: '/health' },
  provenanceRoutes: ['/v1/models', '/version'],
  contextSize(answers) {
    // /v1/models lists each served model with its max_model_len.
    const models = answers['/v1/models'] as { data?: Array<{ max_model_len?: unknown }> } | undefined;
    const tokens = num(models?.data?.[0]?.max_model_len);
    return tokens === null ? null : { tokens, field: '/v1/models data[0].max_model_len' };
  },
  contextExceeded(status, body) {
    const message = errorObject(body)?.message;
    // "This model's maximum context length is N tokens. However, you requested M tokens ..."
    if (status !== 400 || typeof message !== 'string' || !/maximum context length/i.test(message)) return null;
    const m = /maximum context length is (\d+)[^\d]+(\d+)/i.exec(message);
    return { contextTokens: m ? Number(m[1]) : null, promptTokens: m ? Number(m[2]) : null };
  },
  outputRejected() {
    return false;
  },
};
