// Variants of an installed agent: its name, then switches the recording proxy applies to
// every request: +think/-think (the thinking switch in the dialect's field; without it the
// agent's own choice stands) and -cache (llama-server's cache_prompt: false). E.g. pi,
// pi-think, opencode+think, pi-cache.

import { AGENT_DEFAULT_LEVERS, type ProxyLevers } from '../../core/harness.js';

export const AGENT_SWITCHES = '+think/-think (thinking switch sent on every request), -cache (prefix cache off)';

/** The levers for `rest` (what follows the agent's name), or every problem with it. */
export function agentLevers(agent: string, rest: string): { levers: ProxyLevers; problems: string[] } {
  const levers: ProxyLevers = { ...AGENT_DEFAULT_LEVERS };
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const m of rest.matchAll(/([+-])([^+-]*)/g)) {
    const [whole, sign, word] = m as unknown as [string, '+' | '-', string];
    const lever = word === 'think' ? 'thinking' : word === 'cache' ? 'prefixCache' : null;
    if (lever === null) {
      problems.push(`"${whole}": unknown switch for installed agent ${agent} (valid: ${AGENT_SWITCHES})`);
      continue;
    }
    if (seen.has(lever)) problems.push(`"${whole}": the ${lever} lever is set more than once`);
    seen.add(lever);
    if (lever === 'thinking') levers.thinking = sign === '+';
    else if (sign === '+') problems.push(`"+cache": the prefix cache is already on for ${agent}; -cache turns it off`);
    else levers.prefixCache = false;
  }
  const consumed = [...rest.matchAll(/([+-])([^+-]*)/g)].map((m) => m[0]).join('');
  if (consumed !== rest) problems.push(`"${rest}": each switch starts with + or -`);
  return { levers, problems };
}
