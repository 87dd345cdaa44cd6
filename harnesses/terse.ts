// `terse`: the host-side agent. The loop runs in pairbench and reaches into the container
// only to run one command per turn; replies follow the terse tag contract; no deliberation;
// speculative parameters sent.

import type { Levers } from '../core/harness.js';

export const TERSE_LEVERS: Levers = {
  thinking: false,
  speculative: true,
  contract: 'terse',
  state: 'host-exec',
  context: { kind: 'full' },
};
