// Ollama through its OpenAI-compatible /v1 (openai/openai.go), described by its native /api.

import type { DialectModule } from './types.js';
import { usageFigures } from './types.js';

export const ollama: DialectModule = {
  dialect: 'ollama',
  // Draft models and num_ctx are model-load options; cache reuse is not exposed at all.
  levers: { thinking: 'request', speculative: 'none', cache: 'none' },
  maxTokensField: 'max_tokens',
  thinking(on, body) {
    // /v1 has an off switch only; on is its default for thinking models.
    if (on) return false;
    body.reasoning_effort = 'none';
    return true;
  },
  speculative() {
    return false;
  },
  prefixCacheOff() {
    return false; // fixed when the server starts
  },
  figures(u) {
    // Ollama does not report cache reuse: null, never a guessed 0.
    return { ...usageFigures(u), cachedTokens: null, decodeTps: null, draftN: null, draftAccepted: null };
  },
  // No /health; GET / answers "Ollama is running".
  health: { under: 'root', route: '/' },
  provenanceRoutes: ['/api/version', '/api/tags'],
  // Ollama cuts an over-long prompt to num_ctx instead of refusing it.
  contextExceeded() {
    return null;
  },
  outputRejected() {
    return false;
  },
};
