// Harness bases to their factories: adding a harness is one entry here. The record is
// keyed by HarnessBase, so the compiler insists every base has one.

import { ERROR_CODES, PairbenchError } from '../core/errors.js';
import { NopHarness } from './nop.js';
import { OracleHarness } from './oracle.js';
import { AgentHarness } from './agent/harness.js';
import { TERSE_LEVERS } from './terse.js';
import { TMUX_LEVERS } from './tmux.js';
import type { Harness } from './types.js';
import type { HarnessBase, HarnessSpec } from '../core/harness.js';

export type HarnessFactory = (spec: HarnessSpec) => Harness;

export const HARNESS_FACTORIES: Record<HarnessBase, HarnessFactory> = {
  oracle: (spec) => new OracleHarness(spec),
  nop: (spec) => new NopHarness(spec),
  terse: (spec) => new AgentHarness(spec, TERSE_LEVERS),
  tmux: (spec) => new AgentHarness(spec, TMUX_LEVERS), // a Terminus-style baseline
};

export function createHarness(spec: HarnessSpec): Harness {
  const factory = HARNESS_FACTORIES[spec.base] as HarnessFactory | undefined;
  if (!factory) {
    const known = Object.keys(HARNESS_FACTORIES).join(', ');
    throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, `harness "${spec.name}": unknown base "${spec.base}" (known: ${known})`);
  }
  return factory(spec);
}
