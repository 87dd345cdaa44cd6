// The levers the recording proxy applies to each request an installed agent sends, in the
// upstream dialect's own fields, and a record of which of them reached the server.

import type { LeversReached, ProxyLevers } from '../core/harness.js';
import type { Dialect } from '../core/serving.js';
import { dialectModule } from '../serving/dialects/registry.js';

export type AppliedLevers = LeversReached;

const CAP_FIELDS = ['max_tokens', 'max_completion_tokens', 'n_predict'] as const;

/** Whether applyLevers may change a body under these levers. */
export function leversEdit(levers: ProxyLevers): boolean {
  return levers.thinking !== null || levers.maxOutputTokens !== null || !levers.prefixCache;
}

/** Edits the parsed body in place; it is about to be re-serialised for the upstream server. */
export function applyLevers(body: Record<string, unknown>, dialect: Dialect, levers: ProxyLevers): AppliedLevers {
  const d = dialectModule(dialect);
  const thinking = levers.thinking === null ? null : d.thinking(levers.thinking, body);

  let maxTokens: number | null = null;
  if (levers.maxOutputTokens !== null) {
    // The smaller of the agent's own cap and the lever's, in the field the dialect reads.
    const asked = CAP_FIELDS.map((f) => body[f]).filter((v): v is number => typeof v === 'number' && v >= 0);
    maxTokens = Math.min(levers.maxOutputTokens, ...asked);
    for (const f of CAP_FIELDS) delete body[f];
    body[d.maxTokensField] = maxTokens;
  }

  const prefixCacheOff = levers.prefixCache ? null : d.prefixCacheOff(body);
  return { thinking, maxTokens, prefixCacheOff };
}
