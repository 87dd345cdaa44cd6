// llama.cpp's llama-server (tools/server/). Sources for each fact: docs/real-servers.md.

import type { DialectModule } from './types.js';
import { errorObject, num, usageFigures } from './types.js';

export const llamaServer: DialectModule = {
  dialect: 'llama-server',
  // Speculation needs a draft model at start-up (--spec-draft-model, older -md); current builds
  // compile the per-request `speculative.*` keys out and ignore them. The prompt cache is
  // per slot and server-wide (--cache-reuse, -np, --cache-ram); a request can only opt out.
  levers: { thinking: 'request', speculative: 'server', cache: 'server' },
  maxTokensField: 'max_tokens',
  thinking(on, body) {
    // A JSON boolean: the string "false" is refused with HTTP 400 (expected boolean, got string).
    body.chat_template_kwargs = { enable_thinking: on };
    return true;
  },
  speculative(spec, body) {
    // Older builds read these per request; on newer ones timings.draft_n shows they did nothing.
    body['speculative.n_max'] = spec.nMax;
    if (spec.nMin !== undefined) body['speculative.n_min'] = spec.nMin;
    if (spec.pMin !== undefined) body['speculative.p_min'] = spec.pMin;
    return true;
  },
  prefixCacheOff(body) {
    body.cache_prompt = false;
    return true;
  },
  figures(u, t) {
    const usage = usageFigures(u);
    const promptN = num(t?.prompt_n);
    const cacheN = num(t?.cache_n);
    return {
      // usage.prompt_tokens is the whole prompt; timings.prompt_n only what was processed.
      promptTokens: usage.promptTokens ?? (promptN !== null && cacheN !== null ? promptN + cacheN : null),
      cachedTokens: cacheN ?? usage.cachedTokens,
      completionTokens: usage.completionTokens ?? num(t?.predicted_n),
      reasoningTokens: usage.reasoningTokens,
      decodeTps: num(t?.predicted_per_second),
      draftN: num(t?.draft_n),
      draftAccepted: num(t?.draft_n_accepted),
    };
  },
  // 503 {"error":{"code":503,"message":"Loading model"}} while loading, then 200 {"status":"ok"}.
  health: { under: 'root', route: '/health' },
  provenanceRoutes: ['/props', '/v1/models', '/slots'],
  contextSize(answers) {
    // /props: default_generation_settings.n_ctx (per slot); /slots (unless --no-slots): each slot's n_ctx.
    const props = answers['/props'] as { default_generation_settings?: { n_ctx?: unknown } } | undefined;
    const fromProps = num(props?.default_generation_settings?.n_ctx);
    if (fromProps !== null) return { tokens: fromProps, field: '/props default_generation_settings.n_ctx' };
    const slots = answers['/slots'];
    const fromSlots = Array.isArray(slots) ? num((slots[0] as { n_ctx?: unknown } | undefined)?.n_ctx) : null;
    return fromSlots === null ? null : { tokens: fromSlots, field: '/slots [0].n_ctx' };
  },
  contextExceeded(status, body) {
    const e = errorObject(body);
    // ERROR_TYPE_EXCEED_CONTEXT_SIZE -> HTTP 400, type "exceed_context_size_error", with the counts.
    if (status !== 400 || e?.type !== 'exceed_context_size_error') return null;
    return { promptTokens: num(e.n_prompt_tokens), contextTokens: num(e.n_ctx) };
  },
  outputRejected(error) {
    // The chat parser's exception while streaming, sent as a data line with code 500 and no
    // [DONE]: "The model produced output that does not match the expected <name> format".
    return typeof error.message === 'string' && /does not match the expected .* format/.test(error.message);
  },
};
