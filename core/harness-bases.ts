// The harness bases pairbench ships, as data: what each one is and the levers an agent base
// starts from. The HarnessBase type, the variant vocabulary, --harness's help and the
// factory table (harnesses/registry.ts, which the compiler checks against this one) all
// derive from it. It sits on the ground floor because `pairbench run --help` must read it
// without loading any harness code.

import type { Levers } from './harness.js';

export interface HarnessBaseInfo {
  /** What the base is, in a few words: shown in --help. */
  summary: string;
  /** The levers an agent base starts from (its variants switch them); null when it has none. */
  levers: Levers | null;
  /** Said beside the base's name in reports and the vocabulary, when the name alone would mislead. */
  label?: string;
}

/** In the order help and error messages list them: agent loops first. */
export const HARNESS_BASES = {
  // The host-side agent: one command per turn through an exec, terse tag replies, no
  // deliberation, speculative parameters sent.
  terse: {
    summary: 'host-side agent, one command per turn',
    levers: { thinking: false, speculative: true, contract: 'terse', state: 'host-exec', context: { kind: 'full' } },
  },
  // Modelled on the design terminal-bench and Harbor ship, written from its description: a
  // tmux session in the container, JSON replies with keystrokes and waits, deliberation on.
  tmux: {
    summary: 'agent in a tmux session inside the container',
    label: 'Terminus-style baseline',
    levers: { thinking: true, speculative: false, contract: 'json', state: 'tmux', context: { kind: 'full' } },
  },
  oracle: { summary: "runs the task's solution, no model", levers: null },
  nop: { summary: 'does nothing, no model', levers: null },
} satisfies Record<string, HarnessBaseInfo>;

export type HarnessBase = keyof typeof HARNESS_BASES;

/** Each built-in base with what it is, for --help. */
export const BASES_HELP = Object.entries(HARNESS_BASES)
  .map(([name, info]: [string, HarnessBaseInfo]) => `${name} (${info.label ? `${info.label}: ` : ''}${info.summary})`)
  .join(', ');
