// The simulated server's clock: how long a request would take on the hardware the seed
// figures come from. Pure functions; the server turns these milliseconds into real delays
// (times the time scale). Defaults and their sources are in docs/simulated-server.md.

export interface CostModel {
  /** Uncached prompt tokens per second (43,241 tokens cold in ~37.5 s). */
  prefillTps: number;
  /** Decode tokens per second without speculation (42 tok/s at 8K on a 24 GB card). */
  decodeTps: number;
  /** Reasoning block length in tokens when thinking is on (a `--reasoning-budget 256` server). */
  reasoningTokens: number;
  /** Decode speed-up when speculative decoding runs (a small draft model: ~1.5x). */
  specSpeedup: number;
  /** Share of drafted tokens the target accepts. */
  specAcceptance: number;
  /** Fixed cost per request: HTTP, template rendering, sampling set-up. */
  requestOverheadMs: number;
  /** Added latency per request served since start: 0.005 = +0.5% each. */
  slowdownPerRequest: number;
}

export const DEFAULT_COST_MODEL: CostModel = {
  prefillTps: 1150,
  decodeTps: 40,
  reasoningTokens: 256,
  specSpeedup: 1.5,
  specAcceptance: 0.75,
  requestOverheadMs: 30,
  slowdownPerRequest: 0.005,
};

export interface SpeculativeRequest {
  nMax: number;
}

export interface CostInput {
  promptTokens: number;
  /** Tokens already in the slot's KV cache (the common prefix). */
  cachedTokens: number;
  predictedTokens: number;
  /** null: no drafting for this request. */
  speculative: SpeculativeRequest | null;
  /** Requests this process served before this one. */
  requestsServed: number;
}

/** The figures llama-server reports in `timings`, plus what the server waits on. */
export interface CostResult {
  promptN: number;
  cacheN: number;
  promptMs: number;
  predictedN: number;
  predictedMs: number;
  predictedPerSecond: number;
  draftN: number | null;
  draftAccepted: number | null;
  overheadMs: number;
  slowdown: number;
}

export function slowdownFactor(model: CostModel, requestsServed: number): number {
  return 1 + model.slowdownPerRequest * Math.max(0, requestsServed);
}

export function costOf(model: CostModel, input: CostInput): CostResult {
  const slow = slowdownFactor(model, input.requestsServed);
  // A full hit still reprocesses one token, so prompt_n is never 0 (as on llama-server).
  const cacheN = Math.max(0, Math.min(input.cachedTokens, input.promptTokens - 1));
  const promptN = Math.max(1, input.promptTokens - cacheN);
  const promptMs = (promptN / model.prefillTps) * 1000 * slow;

  const predictedN = Math.max(0, input.predictedTokens);
  const spec = input.speculative !== null && input.speculative.nMax > 0 && predictedN > 0;
  const decodeTps = spec ? model.decodeTps * model.specSpeedup : model.decodeTps;
  const predictedMs = (predictedN / decodeTps) * 1000 * slow;
  const predictedPerSecond = predictedMs > 0 ? (predictedN * 1000) / predictedMs : 0;

  let draftN: number | null = null;
  let draftAccepted: number | null = null;
  if (spec) {
    // Each target pass yields one token plus the accepted drafts; a speed-up s means
    // predicted/passes = s, so accepted = predicted * (1 - 1/s); drafted = accepted / rate.
    draftAccepted = Math.round(predictedN * (1 - 1 / model.specSpeedup));
    draftN = Math.max(draftAccepted, Math.round(draftAccepted / Math.max(model.specAcceptance, 1e-6)));
  }

  return {
    promptN,
    cacheN,
    promptMs,
    predictedN,
    predictedMs,
    predictedPerSecond,
    draftN,
    draftAccepted,
    overheadMs: model.requestOverheadMs * slow,
    slowdown: slow,
  };
}

/** Validates a cost model, listing every bad field. */
export function costModelProblems(model: CostModel): string[] {
  const problems: string[] = [];
  const positive = (name: keyof CostModel): void => {
    if (!(Number.isFinite(model[name]) && model[name] > 0)) problems.push(`${name}: must be a number > 0 (got ${model[name]})`);
  };
  const nonNegative = (name: keyof CostModel): void => {
    if (!(Number.isFinite(model[name]) && model[name] >= 0)) problems.push(`${name}: must be a number >= 0 (got ${model[name]})`);
  };
  positive('prefillTps');
  positive('decodeTps');
  nonNegative('reasoningTokens');
  if (!(Number.isFinite(model.specSpeedup) && model.specSpeedup >= 1)) problems.push(`specSpeedup: must be >= 1 (got ${model.specSpeedup})`);
  if (!(Number.isFinite(model.specAcceptance) && model.specAcceptance > 0 && model.specAcceptance <= 1)) {
    problems.push(`specAcceptance: must be in (0, 1] (got ${model.specAcceptance})`);
  }
  nonNegative('requestOverheadMs');
  nonNegative('slowdownPerRequest');
  return problems;
}
