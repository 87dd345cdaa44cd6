// What the simulated server says about itself: /v1/models, /props, /slots, /metrics,
// shaped after llama-server's, plus fields that mark it simulated.

import { slowdownFactor } from './cost-model.js';
import type { SimState } from './state.js';
import { CHARS_PER_TOKEN } from './tokens.js';

export const SIMULATED_BUILD = 'pairbench-simulated-1';

// llama-server's /v1/models (server.cpp, the models handler): an Ollama-style `models` list
// beside the OpenAI-style `data`, each with the model's `meta`. The simulated model has no
// weights or vocabulary: those figures are 0.
export function modelsBody(state: SimState): Record<string, unknown> {
  const id = state.opts.model;
  return {
    models: [
      {
        name: id, model: id, modified_at: '', size: '', digest: '', type: 'model', description: '', tags: [''],
        capabilities: ['completion'], parameters: '',
        details: { parent_model: '', format: 'gguf', family: '', families: [''], parameter_size: '', quantization_level: '' },
      },
    ],
    object: 'list',
    data: [
      {
        id,
        aliases: [id],
        tags: [],
        object: 'model',
        created: Math.floor(state.startedAt / 1000),
        owned_by: 'llamacpp',
        meta: {
          pairbench_simulated: true, vocab_type: 0, n_vocab: 0, n_ctx: state.opts.nCtx, n_ctx_train: state.opts.nCtx,
          n_embd: 0, n_params: 0, size: 0, ftype: 'simulated',
        },
      },
    ],
  };
}

/** The template the simulator renders (simulator/tokens.ts), in the Jinja a real server shows. */
export const SIMULATED_CHAT_TEMPLATE = [
  "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endfor %}",
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}",
  "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}{%- endif %}",
].join('\n');

export function propsBody(state: SimState): Record<string, unknown> {
  const o = state.opts;
  return {
    default_generation_settings: {
      id: 0,
      n_ctx: o.nCtx,
      speculative: o.specDefault !== null,
      is_processing: false,
      params: {
        n_predict: -1, max_tokens: -1, seed: o.seed, temperature: 0.8, top_k: 40, top_p: 0.95, min_p: 0.05, stream: false,
        chat_format: 'Content-only', reasoning_format: 'deepseek', 'speculative.types': o.specDefault !== null ? 'draft' : 'none',
        'speculative.n_max': o.specDefault ?? 0, reasoning_budget: o.cost.reasoningTokens,
      },
    },
    total_slots: o.slots,
    model_alias: o.model,
    model_ftype: 'simulated',
    model_path: `${o.model}.gguf`,
    modalities: { vision: false, video: false, audio: false },
    media_marker: '<__media__>',
    endpoint_slots: true,
    endpoint_props: false,
    endpoint_metrics: true,
    ui: false,
    ui_settings: {},
    chat_template: SIMULATED_CHAT_TEMPLATE,
    chat_template_caps: {
      supports_object_arguments: true, supports_parallel_tool_calls: true, supports_preserve_reasoning: false,
      supports_reasoning_effort: false, supports_string_content: true, supports_system_role: true,
      supports_tool_calls: true, supports_tools: true, supports_typed_content: false,
    },
    bos_token: '',
    eos_token: '<|im_end|>',
    build_info: SIMULATED_BUILD,
    is_sleeping: false,
    cors_proxy_enabled: false,
    pairbench_simulated: true,
    cost_model: o.cost,
    time_scale: o.timeScale,
    tokenizer: { chars_per_token: CHARS_PER_TOKEN },
    load_time_ms: o.loadTimeMs,
    faults: o.faults,
    seed: o.seed,
    requests_served: state.stats.requests,
    slowdown: slowdownFactor(o.cost, state.stats.requests),
  };
}

export function slotsBody(state: SimState): Array<Record<string, unknown>> {
  return state.pool.slots.map((slot) => {
    const cached = state.pool.cachedTokens(slot);
    return {
      id: slot.id,
      id_task: -1,
      n_ctx: state.opts.nCtx,
      speculative: state.opts.specDefault !== null,
      is_processing: slot.processing,
      // Tokens in the slot's KV cache: `n_past` as older llama-server builds name it.
      n_past: cached,
      n_cached_tokens: cached,
    };
  });
}

export function metricsText(state: SimState): string {
  const s = state.stats;
  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, value: number): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
  };
  metric('llamacpp:prompt_tokens_total', 'counter', 'Number of prompt tokens processed.', s.promptTokens);
  metric('llamacpp:prompt_seconds_total', 'counter', 'Prompt process time.', s.promptMs / 1000);
  metric('llamacpp:tokens_predicted_total', 'counter', 'Number of generation tokens processed.', s.predictedTokens);
  metric('llamacpp:tokens_predicted_seconds_total', 'counter', 'Predict process time.', s.predictedMs / 1000);
  metric('llamacpp:requests_processing', 'gauge', 'Number of requests processing.', s.processing);
  metric('llamacpp:requests_deferred', 'gauge', 'Number of requests deferred.', s.deferred);
  metric('pairbench_simulated_requests_total', 'counter', 'Chat requests served since start.', s.requests);
  metric('pairbench_simulated_cache_hits_total', 'counter', 'Chat requests that reused a cached prompt prefix.', s.cacheHits);
  metric('pairbench_simulated_cached_tokens_total', 'counter', 'Prompt tokens taken from the prefix cache.', s.cachedTokens);
  metric('pairbench_simulated_slowdown', 'gauge', 'Latency multiplier from requests served since start.', slowdownFactor(state.opts.cost, s.requests));
  return `${lines.join('\n')}\n`;
}
