// `terse`: the host-side agent. The loop runs in pairbench and reaches into the container
// only to run one command per turn; replies follow the terse tag contract; no deliberation;
// speculative parameters sent. Its levers are declared with the base (core/harness-bases.ts).

import { HARNESS_BASES } from '../core/harness-bases.js';
import type { Levers } from '../core/harness.js';
import { AgentHarness } from './agent/harness.js';
import type { HarnessFactory } from './types.js';

export const TERSE_LEVERS: Levers = HARNESS_BASES.terse.levers;

export const createTerse: HarnessFactory = (spec) => new AgentHarness(spec, TERSE_LEVERS);
