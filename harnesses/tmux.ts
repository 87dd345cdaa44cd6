// `tmux`: a Terminus-style baseline (modelled on the design terminal-bench and Harbor ship,
// written here from its description; not Terminus itself). A tmux session inside the
// container, JSON replies with keystrokes and waits, a second confirmation before the
// task counts as complete; deliberation on, no speculative parameters. Its levers are
// declared with the base (core/harness-bases.ts).

import { HARNESS_BASES } from '../core/harness-bases.js';
import type { Levers } from '../core/harness.js';
import { AgentHarness } from './agent/harness.js';
import type { HarnessFactory } from './types.js';

export const TMUX_LEVERS: Levers = HARNESS_BASES.tmux.levers;

export const createTmux: HarnessFactory = (spec) => new AgentHarness(spec, TMUX_LEVERS);
