// A hosted OpenAI-compatible API (the OpenAI SDK's types).

import type { DialectModule } from './types.js';
import { errorObject, usageFigures } from './types.js';

export const openai: DialectModule = {
  dialect: 'openai',
  // Caching is automatic on the provider's side; nothing pairbench can switch.
  levers: { thinking: 'none', speculative: 'none', cache: 'none' },
  // OpenAI's reasoning models reject max_tokens.
  maxTokensField: 'max_completion_tokens',
  thinking() {
    // Models disagree on which reasoning_effort values they accept (some reject the field), so
    // no guess is sent; a caller who knows passes it in extraBody.
    return false;
  },
  speculative() {
    return false;
  },
  prefixCacheOff() {
    return false; // fixed when the server starts
  },
  figures(u) {
    return { ...usageFigures(u), decodeTps: null, draftN: null, draftAccepted: null };
  },
  health: { under: 'v1', route: '/models' },
  provenanceRoutes: ['/v1/models'],
  contextExceeded(status, body) {
    const e = errorObject(body);
    if (status !== 400 || e?.code !== 'context_length_exceeded') return null;
    return { promptTokens: null, contextTokens: null };
  },
  outputRejected() {
    return false;
  },
};
