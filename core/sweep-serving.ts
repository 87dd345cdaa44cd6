// What a sweep stores of its serving layer beside its settings (sweeps.config_json), so a
// report can say which settings its figures were measured under. Never a secret: of a
// server's command line only the flags below are kept, each with its value.

export interface StoredServing {
  kind: string;
  model: string | null;
  dialect: string | null;
  /** The simulated server's time scale (real delay = modelled time x scale); null for a real server. */
  timeScale: number | null;
  canary: { everyTrials: number; factor: number } | null;
  /** Start-up flags of a server pairbench starts itself that change its figures, as given. */
  serverFlags: string[];
}

/**
 * Start-up flags that change what a server measures (context, parallel slots, batching,
 * offload, attention kernel, speculative drafting, prompt cache, KV cache type): llama-server's
 * (common/arg.cpp) and vLLM's (engine/arg_utils.py). true: the flag takes a value; 'optional':
 * a value when the next word is not a flag (newer llama-server's `-fa on`).
 */
const KNOWN_FLAGS: Record<string, boolean | 'optional'> = {
  '-c': true, '--ctx-size': true, '-np': true, '--parallel': true, '-b': true, '--batch-size': true,
  '-ub': true, '--ubatch-size': true, '-ngl': true, '--gpu-layers': true, '--n-gpu-layers': true,
  '-fa': 'optional', '--flash-attn': 'optional', '-md': true, '--model-draft': true, '--draft-max': true,
  '--draft': true, '--draft-n': true, '--draft-min': true, '--draft-p-min': true, '--cache-reuse': true,
  '--no-cache-prompt': false, '-ctk': true, '--cache-type-k': true, '-ctv': true, '--cache-type-v': true,
  '-cb': false, '--cont-batching': false, '-nocb': false, '--no-cont-batching': false,
  '--reasoning-budget': true, '--swa-full': false, '--kv-unified': false, '-t': true, '--threads': true,
  '--max-model-len': true, '--max-num-seqs': true, '--max-num-batched-tokens': true,
  '--enable-prefix-caching': false, '--no-enable-prefix-caching': false, '--speculative-config': true,
  '--tensor-parallel-size': true, '-tp': true, '--gpu-memory-utilization': true, '--kv-cache-dtype': true,
  '--enable-chunked-prefill': false, '--no-enable-chunked-prefill': false, '--quantization': true, '--dtype': true,
};

/** The known flags of an argv, in order, as `flag value` (or `flag` alone); every other word is dropped. */
export function knownServerFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    const eq = word.indexOf('=');
    const flag = word.startsWith('--') && eq > 0 ? word.slice(0, eq) : word;
    const takesValue = KNOWN_FLAGS[flag];
    if (takesValue === undefined) continue;
    if (flag !== word) out.push(`${flag} ${word.slice(eq + 1)}`);
    else if (takesValue === true && i + 1 < argv.length) out.push(`${flag} ${argv[++i]!}`);
    else if (takesValue === 'optional' && i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) out.push(`${flag} ${argv[++i]!}`);
    else out.push(flag);
  }
  return out;
}
