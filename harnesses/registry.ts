// Each harness base's factory, keyed by the bases declared in core/harness-bases.ts: the
// compiler refuses a base without a factory here, or a factory for no base. Adding a base is
// its module, its declaration there and its factory here.

import { ERROR_CODES, PairbenchError } from '../core/errors.js';
import { HARNESS_BASES, type HarnessBase } from '../core/harness-bases.js';
import type { HarnessSpec } from '../core/harness.js';
import { createNop } from './nop.js';
import { createOracle } from './oracle.js';
import { createTerse } from './terse.js';
import { createTmux } from './tmux.js';
import type { Harness, HarnessBaseEntry, HarnessFactory } from './types.js';
import { InstalledAgentHarness } from './installed/harness.js';

const FACTORIES = {
  terse: createTerse,
  tmux: createTmux,
  oracle: createOracle,
  nop: createNop,
} satisfies Record<HarnessBase, HarnessFactory>;

/**
 * Where bases come from beyond the built-in table (e.g. agent directories): a source names
 * the bases it provides and hands out their entries. The variant parser and createHarness
 * try the built-in bases first, then each source given.
 */
export interface HarnessSource {
  readonly names: readonly string[];
  get(name: string): HarnessBaseEntry | undefined;
}

export const BUILT_IN_BASES: HarnessSource = {
  names: Object.keys(HARNESS_BASES),
  get(name) {
    if (!Object.hasOwn(HARNESS_BASES, name)) return undefined;
    const base = name as HarnessBase;
    return { ...HARNESS_BASES[base], create: FACTORIES[base] };
  },
};

/** The entry for a base name, or undefined when no source knows it. */
export function findBase(name: string, sources: readonly HarnessSource[] = []): HarnessBaseEntry | undefined {
  for (const source of [BUILT_IN_BASES, ...sources]) {
    const entry = source.get(name);
    if (entry) return entry;
  }
  return undefined;
}

/** Every base name the sources know, built-in ones first. */
export function baseNames(sources: readonly HarnessSource[] = []): string[] {
  return [...new Set([BUILT_IN_BASES, ...sources].flatMap((s) => s.names))];
}

/** The base every installed agent's variant has; its definition travels in the spec itself. */
export const AGENT_BASE = 'agent';

export function createHarness(spec: HarnessSpec, sources: readonly HarnessSource[] = []): Harness {
  if (spec.base === AGENT_BASE && spec.agent) return new InstalledAgentHarness(spec);
  const entry = findBase(spec.base, sources);
  if (!entry) {
    throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, `harness "${spec.name}": unknown base "${spec.base}" (known: ${baseNames(sources).join(', ')})`);
  }
  return entry.create(spec);
}
