// Harness variant names: a base, then lever switches. `terse+think` is terse with thinking
// on; `tmux-think` is the Terminus-style baseline with thinking off; `terse+window:4` keeps
// the last four exchanges. The stored harness name is the variant string itself, so it
// always starts with its base.

import type { AgentDefinition } from '../core/agent.js';
import { ERROR_CODES, ValidationError } from '../core/errors.js';
import { AGENT_SWITCHES, agentLevers } from './installed/variants.js';
import type { ContextPolicy, HarnessLimits, HarnessSpec, Levers } from '../core/harness.js';
import { AGENT_BASE, baseNames, findBase, type HarnessSource } from './registry.js';

export const DEFAULT_LIMITS: HarnessLimits = { maxTurns: 30, maxOutputTokens: 2048, observationBytes: 4096 };

const SWITCHES =
  '+think/-think, +spec/-spec, +json/+terse/+tools (contract; +tools is native function calling), +tmux/+host (state), ' +
  '+full, +window:K (K >= 1), +state-file (context)';

/** The bases and the switches a variant name may use, e.g. for an error message or --help. */
export function variantVocabulary(sources: readonly HarnessSource[] = []): string {
  const names = baseNames(sources);
  const bases = names.map((n) => {
    const label = findBase(n, sources)?.label;
    return label ? `${n} (${label})` : n;
  });
  const switchable = names.filter((n) => findBase(n, sources)?.levers);
  return `bases: ${bases.join(', ')}; switches after ${switchable.join(' or ')}: ${SWITCHES}; e.g. terse+think, tmux-think, terse+window:4`;
}

export const VARIANT_VOCABULARY = variantVocabulary();

type Lever = 'thinking' | 'speculative' | 'contract' | 'state' | 'context';

interface Switch {
  lever: Lever;
  apply(levers: Levers): Levers;
}

function switchFor(sign: '+' | '-', word: string): Switch | string {
  const on = sign === '+';
  switch (word) {
    case 'think':
      return { lever: 'thinking', apply: (l) => ({ ...l, thinking: on }) };
    case 'spec':
      return { lever: 'speculative', apply: (l) => ({ ...l, speculative: on }) };
    case 'json':
    case 'terse': {
      const other = word === 'json' ? 'terse' : 'json';
      return { lever: 'contract', apply: (l) => ({ ...l, contract: on ? word : other }) };
    }
    case 'tools':
      // Three contracts: native function calling is chosen with +, as a context policy is.
      if (!on) return `"-tools": a contract is chosen with + (+terse, +json or +tools)`;
      return { lever: 'contract', apply: (l) => ({ ...l, contract: 'tools' }) };
    case 'tmux':
    case 'host': {
      const state = (word === 'tmux') === on ? 'tmux' : 'host-exec';
      return { lever: 'state', apply: (l) => ({ ...l, state }) };
    }
  }
  let context: ContextPolicy | null = null;
  if (word === 'full') context = { kind: 'full' };
  else if (word === 'state-file') context = { kind: 'state-file' };
  else if (word.startsWith('window:')) {
    const k = word.slice('window:'.length);
    if (!/^[1-9]\d*$/.test(k)) return `"${sign}${word}": K in window:K must be a whole number >= 1`;
    context = { kind: 'window', k: Number(k) };
  }
  if (context === null) return `"${sign}${word}": unknown switch`;
  if (!on) return `"${sign}${word}": a context policy is chosen with +, not switched off (use +full for the default)`;
  const policy = context;
  return { lever: 'context', apply: (l) => ({ ...l, context: policy }) };
}

/** Splits `+a-b+state-file` into signed words; `state-file` is the one word with a dash. */
function splitSwitches(rest: string): { sign: '+' | '-'; word: string }[] | string {
  const out: { sign: '+' | '-'; word: string }[] = [];
  let i = 0;
  while (i < rest.length) {
    const sign = rest[i];
    if (sign !== '+' && sign !== '-') return `unexpected "${rest.slice(i)}": each switch starts with + or -`;
    i++;
    let end: number;
    if (rest.startsWith('state-file', i)) end = i + 'state-file'.length;
    else {
      const next = rest.slice(i).search(/[+-]/);
      end = next < 0 ? rest.length : i + next;
    }
    out.push({ sign, word: rest.slice(i, end) });
    i = end;
  }
  return out;
}

function limitProblems(limits: HarnessLimits): string[] {
  const problems: string[] = [];
  const whole = (key: 'maxTurns' | 'maxOutputTokens' | 'observationBytes'): void => {
    if (!(Number.isInteger(limits[key]) && limits[key] > 0)) problems.push(`${key}: must be a whole number > 0 (got ${limits[key]})`);
  };
  whole('maxTurns');
  whole('maxOutputTokens');
  whole('observationBytes');
  const t = limits.commandTimeoutSec;
  if (t !== undefined && !(Number.isFinite(t) && t > 0)) problems.push(`commandTimeoutSec: must be a number > 0 (got ${t})`);
  return problems;
}

/**
 * The base a variant starts with: the longest known name followed by the end or a switch (a
 * base from another source may hold a dash, as in `my-agent-think`), else the leading word.
 */
function splitBase(variant: string, sources: readonly HarnessSource[]): { base: string; known: boolean } {
  const names = baseNames(sources);
  const longest = names
    .filter((n) => variant.startsWith(n) && /^([+-]|$)/.test(variant.slice(n.length)))
    .sort((a, b) => b.length - a.length)[0];
  if (longest !== undefined) return { base: longest, known: true };
  const word = /^[a-z]*/.exec(variant)![0];
  return { base: word, known: names.includes(word) };
}

/** `sources`: bases beyond the built-in table (see HarnessSource). */
/** Names no installed agent may take: the built-in bases. */
export const RESERVED_NAMES: readonly string[] = baseNames();

/** `sources`: bases beyond the built-in table (see HarnessSource); `agents`: installed agents by name. */
export function parseHarnessVariant(
  name: string,
  limits?: Partial<HarnessLimits>,
  sources: readonly HarnessSource[] = [],
  agents?: ReadonlyMap<string, AgentDefinition>,
): HarnessSpec {
  const merged: HarnessLimits = { ...DEFAULT_LIMITS, ...limits };
  const problems = limitProblems(merged);
  const trimmed = name.trim();
  const agentWord = /^[a-z][a-z0-9_]*/.exec(trimmed)?.[0];
  const agent = agentWord !== undefined && !RESERVED_NAMES.includes(agentWord) ? agents?.get(agentWord) : undefined;
  if (agent) {
    const { levers: proxyLevers, problems: switchProblems } = agentLevers(agent.name, trimmed.slice(agent.name.length));
    problems.push(...switchProblems);
    if (problems.length > 0) {
      throw new ValidationError(ERROR_CODES.CONFIG_INVALID, `harness "${name}"`, [...problems, `valid for installed agents: ${AGENT_SWITCHES}`]);
    }
    return { name: trimmed, base: AGENT_BASE, levers: null, limits: merged, agent, proxyLevers };
  }
  const { base, known } = splitBase(trimmed, sources);
  const entry = known ? findBase(base, sources) : undefined;
  const rest = trimmed.slice(base.length);
  let levers: Levers | null = null;

  if (entry === undefined) {
    const installed = agents && agents.size > 0 ? ` or an installed agent (${[...agents.keys()].join(', ')})` : ' or an installed agent (none found: see `pairbench agents list`)';
    problems.push(base === '' ? `"${trimmed}": a variant starts with a base name` : `"${agentWord ?? base}": unknown base${installed}`);
  } else if (entry.levers === null) {
    if (rest !== '') problems.push(`"${rest}": ${base} has no levers to switch`);
  } else {
    levers = entry.levers;
    const switches = splitSwitches(rest);
    if (typeof switches === 'string') problems.push(switches);
    else {
      const seen = new Set<Lever>();
      for (const { sign, word } of switches) {
        const sw = switchFor(sign, word);
        if (typeof sw === 'string') {
          problems.push(sw);
          continue;
        }
        if (seen.has(sw.lever)) problems.push(`"${sign}${word}": the ${sw.lever} lever is set more than once`);
        seen.add(sw.lever);
        const next = sw.apply(levers);
        // A switch that changes nothing would give two names to one configuration.
        if (JSON.stringify(next) === JSON.stringify(levers)) problems.push(`"${sign}${word}": already ${base}'s setting`);
        levers = next;
      }
    }
  }
  if (problems.length > 0) {
    throw new ValidationError(ERROR_CODES.CONFIG_INVALID, `harness "${name}"`, [...problems, `valid: ${variantVocabulary(sources)}`]);
  }
  return { name: trimmed, base, levers, limits: merged };
}

/** A label for reports: a base's label beside the name (tmux is a Terminus-style baseline, never Terminus itself). */
export function variantLabel(name: string, sources: readonly HarnessSource[] = []): string {
  const { base, known } = splitBase(name, sources);
  const label = known ? findBase(base, sources)?.label : undefined;
  return label ? `${name} (${label})` : name;
}
