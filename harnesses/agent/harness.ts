// An agent harness: the shared loop under the spec's levers (its base's defaults plus the
// variant's switches). `terse` and `tmux` are two sets of defaults over this one class.

import type { Harness, HarnessContext, HarnessResult } from '../types.js';
import type { HarnessSpec, Levers } from '../../core/harness.js';
import { runAgentLoop } from './loop.js';

export class AgentHarness implements Harness {
  readonly needsModel = true;
  readonly levers: Levers;

  constructor(
    readonly spec: HarnessSpec,
    defaults: Levers,
  ) {
    this.levers = spec.levers ?? defaults;
  }

  run(ctx: HarnessContext): Promise<HarnessResult> {
    return runAgentLoop(this.spec, this.levers, ctx);
  }
}
