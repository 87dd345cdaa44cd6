// Per variant, the levers it asked for (its stored configuration) beside what the server's
// answers show (its stored turns): reasoning seen for the thinking switch, draft figures for
// speculative decoding, cached tokens for prefix cache off, the largest reply for the output
// cap. A lever a server ignores is then visible in the report instead of assumed.

import type { Db } from '../store/db.js';
import type { HarnessLimits, Levers, ProxyLevers } from '../core/harness.js';
import type { TrialColumns } from './trial-columns.js';
import { count } from './format.js';
import { readTurnColumns, type LeverEvidence } from './turn-columns.js';
import { TrialIds } from './trial-ids.js';

export interface VariantLevers {
  harness: string;
  /** What the variant asked for; null where it left the choice alone. */
  asked: { thinking: boolean | null; speculative: boolean | null; prefixCacheOff: boolean; maxOutputTokens: number | null };
  /** Over the variant's answered model calls (those with a completion count). */
  seen: { answers: number; reasoning: number; drafted: number; cached: number; largestReply: number | null };
}

interface StoredConfig {
  levers?: Levers | null;
  limits?: HarnessLimits;
  proxyLevers?: ProxyLevers;
}

type Trials = Pick<TrialColumns, 'length' | 'harness' | 'harnessNames'>;

/**
 * What each variant asked for, in harness name order: its first trial's stored configuration
 * (all its trials share it), read by primary key, so a sweep of any size costs one lookup per
 * variant. Variants that asked for no lever (oracle, nop, no stored configuration) are absent.
 */
export function askedLevers(db: Db, trials: Trials, ids: TrialIds): Map<string, VariantLevers['asked']> {
  const first = new Map<string, string>();
  for (let i = 0; i < trials.length && first.size < trials.harnessNames.length; i++) {
    const h = trials.harnessNames[trials.harness[i]!]!;
    if (!first.has(h)) first.set(h, ids.at(i));
  }
  const configOf = db.prepare('SELECT harness_config_json FROM trials WHERE id = ?').pluck();
  const asked = new Map<string, VariantLevers['asked']>();
  for (const h of [...first.keys()].sort()) {
    const a = askedOf((configOf.get(first.get(h)) as string | null | undefined) ?? null);
    if (a !== null) asked.set(h, a);
  }
  return asked;
}

/** Each asking variant's evidence, summed over its trials from the per-trial tally of the turn scan. */
export function variantLevers(asked: Map<string, VariantLevers['asked']>, trials: Trials, evidence: LeverEvidence | null): VariantLevers[] {
  if (asked.size === 0 || evidence === null) return [];
  const seen = trials.harnessNames.map(() => ({ answers: 0, reasoning: 0, drafted: 0, cached: 0, largestReply: null as number | null }));
  for (let i = 0; i < trials.length; i++) {
    const s = seen[trials.harness[i]!]!;
    s.answers += evidence.answers[i]!;
    s.reasoning += evidence.reasoning[i]!;
    s.drafted += evidence.drafted[i]!;
    s.cached += evidence.cached[i]!;
    const l = evidence.largest[i]!;
    if (!Number.isNaN(l) && (s.largestReply === null || l > s.largestReply)) s.largestReply = l;
  }
  return [...asked].map(([harness, a]) => ({ harness, asked: a, seen: seen[trials.harnessNames.indexOf(harness)]! }));
}

/** One sweep's variants on their own (the report reads them in its one turn scan instead). */
export function loadVariantLevers(db: Db, sweepId: string, trials: Trials, ids: readonly string[]): VariantLevers[] {
  const list = TrialIds.of(ids);
  const asked = askedLevers(db, trials, list);
  if (asked.size === 0) return [];
  const { evidence } = readTurnColumns(db, [sweepId], [list], [true], 'no-wall-parts');
  return variantLevers(asked, trials, evidence[0]!);
}

function askedOf(config: string | null): VariantLevers['asked'] | null {
  if (config === null) return null;
  let c: StoredConfig;
  try {
    c = JSON.parse(config) as StoredConfig;
  } catch {
    return null;
  }
  if (c.proxyLevers) {
    // An installed agent: the proxy's levers; speculation is not a per-request lever there.
    return { thinking: c.proxyLevers.thinking, speculative: null, prefixCacheOff: c.proxyLevers.prefixCache === false, maxOutputTokens: c.proxyLevers.maxOutputTokens };
  }
  if (c.levers) {
    return { thinking: c.levers.thinking, speculative: c.levers.speculative, prefixCacheOff: false, maxOutputTokens: c.limits?.maxOutputTokens ?? null };
  }
  return null; // oracle, nop: no model calls
}

const of = (n: number, total: number): string => `${count(n)} of ${count(total)}`;

/** The variant's levers as "asked / applied" phrases, one sentence; null when it asked none. */
export function leversAskedApplied(v: VariantLevers): string | null {
  const { asked, seen } = v;
  const y = seen.answers;
  const parts: string[] = [];
  if (asked.thinking !== null) {
    const verdict = asked.thinking ? (seen.reasoning > 0 ? 'applied' : 'not applied') : seen.reasoning === 0 ? 'applied' : 'not applied';
    parts.push(`thinking ${asked.thinking ? 'on' : 'off'} / ${verdict} (reasoning in ${of(seen.reasoning, y)} answers)`);
  }
  if (asked.speculative === true || seen.drafted > 0) {
    const on = asked.speculative === true;
    const verdict = on ? (seen.drafted > 0 ? 'applied' : 'not applied') : 'drafted anyway';
    parts.push(`speculative decoding ${on ? 'on' : 'not asked'} / ${verdict} (draft_n in ${of(seen.drafted, y)} answers)`);
  }
  if (asked.prefixCacheOff) {
    parts.push(`prefix cache off / ${seen.cached === 0 ? 'applied' : 'not applied'} (cached tokens in ${of(seen.cached, y)} answers)`);
  }
  if (asked.maxOutputTokens !== null) {
    const largest = seen.largestReply;
    const verdict = largest === null ? 'no answers' : largest <= asked.maxOutputTokens ? 'held' : 'not applied';
    parts.push(`output cap ${asked.maxOutputTokens} / ${verdict}${largest === null ? '' : ` (largest reply ${largest} tokens)`}`);
  }
  if (parts.length === 0) return null;
  if (y === 0) return `${v.harness} levers, asked / applied: ${parts.map((p) => p.replace(/ \/ .*$/, '')).join('; ')} / no answered model call to tell.`;
  return `${v.harness} levers, asked / applied: ${parts.join('; ')}.`;
}
