// What names a harness variant: its base, its levers and its limits. Plain data that crosses
// a worker's structured clone; the harnesses themselves live in harnesses/.

import type { AgentDefinition } from './agent.js';
import type { Contract } from './contracts.js';

export type { HarnessBase } from './harness-bases.js';

export type ContextPolicy = { kind: 'full' } | { kind: 'window'; k: number } | { kind: 'state-file' };

/** The four levers plus the context policy; both agent harnesses take all of them. */
export interface Levers {
  thinking: boolean;
  speculative: boolean;
  contract: Contract;
  state: 'host-exec' | 'tmux';
  context: ContextPolicy;
}

export interface HarnessLimits {
  maxTurns: number;
  maxOutputTokens: number; // per turn
  observationBytes: number; // command output fed back to the model is cut to this, with a marker
  /** Per command: a host exec is killed after this; tmux waits (duration, settling) are capped by it. */
  commandTimeoutSec?: number;
}

/** A named variant, e.g. `terse+think` = base terse with thinking switched on. */
export interface HarnessSpec {
  name: string;
  /** A HarnessBase, or a base from another source (harnesses/registry.ts: HarnessSource). */
  base: string;
  levers: Levers | null; // null for oracle, nop and installed agents (base `agent`)
  limits: HarnessLimits;
  /** The installed agent (base `agent` only). */
  agent?: AgentDefinition;
  /** What the recording proxy applies to the agent's requests (base `agent` only). */
  proxyLevers?: ProxyLevers;
}

/**
 * Levers the recording proxy applies to an installed agent's requests, whatever the agent
 * sends: null (or true for the cache) leaves the agent's own choice alone.
 */
export interface ProxyLevers {
  thinking: boolean | null;
  /** Caps each reply's output tokens (the smaller of this and the agent's own cap). */
  maxOutputTokens: number | null;
  /** false sends llama-server's `cache_prompt: false`: no prefix reuse. */
  prefixCache: boolean;
}

/**
 * What the recording proxy does to each request of an installed agent in a serving dialect:
 * true, the lever went out; false, asked for but the dialect has no per-request field; null,
 * not asked. maxTokens is the cap sent, or null.
 */
export interface LeversReached {
  thinking: boolean | null;
  maxTokens: number | null;
  prefixCacheOff: boolean | null;
}

export const AGENT_DEFAULT_LEVERS: ProxyLevers = { thinking: null, maxOutputTokens: null, prefixCache: true };
