// `tmux`: a Terminus-style baseline (modelled on the design terminal-bench and Harbor ship,
// written here from its description; not Terminus itself). A tmux session inside the
// container, JSON replies with keystrokes and waits, a second confirmation before the
// task counts as complete; deliberation on, no speculative parameters.

import type { Levers } from '../core/harness.js';

export const TMUX_LEVERS: Levers = {
  thinking: true,
  speculative: false,
  contract: 'json',
  state: 'tmux',
  context: { kind: 'full' },
};
