// Fault injection for the simulated server. Each fault has a rate in [0, 1]; the draws come
// from a seeded generator so a test with a given seed sees the same faults every run.
// At most one fault per request; a 503 burst then also answers the next few requests.

import { seededRng } from '../core/prng.js';

export const FAULT_KINDS = ['refuse', 'http503', 'crash', 'stall', 'malformed', 'garbage', 'rejected'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type FaultRates = Record<FaultKind, number>;

export const NO_FAULTS: FaultRates = { refuse: 0, http503: 0, crash: 0, stall: 0, malformed: 0, garbage: 0, rejected: 0 };


export class FaultPlan {
  private readonly random: () => number;
  private burstLeft = 0;

  constructor(
    private readonly rates: FaultRates,
    seed: number,
    /** Requests one 503 burst answers, the triggering one included. */
    private readonly burstLength = 3,
  ) {
    this.random = seededRng(seed);
  }

  /** The fault for the next chat request, or null. Draws once per fault kind, in a fixed order. */
  next(): FaultKind | null {
    if (this.burstLeft > 0) {
      this.burstLeft--;
      return 'http503';
    }
    let chosen: FaultKind | null = null;
    for (const kind of FAULT_KINDS) {
      const rate = this.rates[kind];
      if (rate <= 0) continue;
      const hit = this.random() < rate;
      if (hit && chosen === null) chosen = kind;
    }
    if (chosen === 'http503') this.burstLeft = Math.max(0, this.burstLength - 1);
    return chosen;
  }
}

export function faultRateProblems(rates: FaultRates): string[] {
  return FAULT_KINDS.filter((k) => !(Number.isFinite(rates[k]) && rates[k] >= 0 && rates[k] <= 1)).map(
    (k) => `fault ${k}: rate must be in [0, 1] (got ${rates[k]})`,
  );
}

/**
 * llama-server's answer when the model's output fails its chat parser (server-common.cpp,
 * the parse of the partial/final message in server_task_result_cmpl_*): HTTP 500 for a whole
 * reply; in a stream, one `data:` line with this object after the chunks sent so far, and no
 * `[DONE]`. "peg-native" is the parser current builds use for Qwen3-style templates.
 */
export const PARSER_REJECTED_ERROR = {
  code: 500,
  message: 'The model produced output that does not match the expected peg-native format',
  type: 'server_error',
} as const;

/** Content that breaks both reply contracts (no <think>, no JSON object). */
export const GARBAGE_CONTENT = 'Sure! I would be happy to help with that. Let me think about what the best approach might be here...';
