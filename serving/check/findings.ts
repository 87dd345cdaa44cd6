// What `pairbench serving check` found a server does with each lever pairbench sends, as plain
// data: a yes/no/unknown per question with the field and value that decided it. The probes
// (probes.ts) make the calls; the judgements here are pure, so each rule is testable alone.

import type { Dialect } from '../../core/serving.js';

/** Every question the check answers, in the order it prints them. */
export const CHECK_QUESTIONS = {
  health: 'health route answers',
  usage: 'usage: prompt tokens reported',
  cachedField: 'usage: cached tokens reported',
  timings: 'timings reported',
  thinking: 'thinking switch honoured',
  speculative: 'speculative keys applied',
  cacheReuse: 'cache reuse across turns',
  cacheOff: 'prefix cache off honoured (per request)',
  contextSize: 'context size',
  outputCap: 'output-token cap honoured',
} as const;

export type CheckQuestion = keyof typeof CHECK_QUESTIONS;
export const QUESTION_IDS = Object.keys(CHECK_QUESTIONS) as CheckQuestion[];

export type Verdict = 'yes' | 'no' | 'unknown';

export interface Finding {
  verdict: Verdict;
  /** The field that decided it (e.g. `timings.draft_n`), or null when nothing could be read. */
  field: string | null;
  /** Its value as read (null: absent). */
  value: unknown;
  /** One line: why this verdict, with the figures; for unknown, why it cannot be told. */
  detail: string;
}

export interface ServingCheck {
  target: { baseUrl: string; model: string; dialect: Dialect; simulated: boolean };
  checkedAt: string;
  findings: Record<CheckQuestion, Finding>;
}

/** What one probe call returned, or why it failed. */
export type ProbeResult =
  | {
      ok: true;
      content: string;
      reasoning: string;
      promptTokens: number | null;
      cachedTokens: number | null;
      completionTokens: number | null;
      reasoningTokens: number | null;
      draftN: number | null;
      finishReason: string | null;
      usage: Record<string, unknown> | null;
      timings: Record<string, unknown> | null;
    }
  | { ok: false; error: string };

/** The probe calls the judgements read; a probe the dialect cannot make is a reason string. */
export interface ProbeSet {
  health: { url: string; status: number | null; body: string };
  /** A cold prompt, output capped at `cap` tokens. */
  cold: ProbeResult;
  cap: number;
  /** The cold prompt, its reply and one more user turn. */
  extended: ProbeResult;
  /** The extended prompt again with the per-request prefix cache off. */
  cacheOff: ProbeResult | string;
  /** The cold prompt with the speculative keys pairbench sends. */
  speculative: ProbeResult | string;
  thinkingOn: ProbeResult | string;
  thinkingOff: ProbeResult | string;
  context: { tokens: number; field: string } | string;
}

const finding = (verdict: Verdict, field: string | null, value: unknown, detail: string): Finding => ({ verdict, field, value, detail });
const unknown = (detail: string): Finding => finding('unknown', null, null, detail);
const failed = (p: ProbeResult | string): string | null => (typeof p === 'string' ? p : p.ok ? null : `the call failed: ${p.error}`);

/** The value at a dotted path of the wire objects, e.g. `usage.prompt_tokens_details.cached_tokens`. */
export function wireValue(p: { usage: Record<string, unknown> | null; timings: Record<string, unknown> | null }, path: string): unknown {
  let cur: unknown = p;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

const present = (v: unknown): boolean => v !== undefined && v !== null;

/** The first of `paths` the reply carries, with its value. */
function firstPresent(p: Extract<ProbeResult, { ok: true }>, paths: readonly string[]): { field: string; value: unknown } | null {
  for (const field of paths) {
    const value = wireValue(p, field);
    if (present(value)) return { field, value };
  }
  return null;
}

/** Where the cached figure came from on the wire: timings.cache_n, else usage's cached_tokens. */
const CACHED_FIELDS = ['timings.cache_n', 'usage.prompt_tokens_details.cached_tokens'] as const;
const TIMING_FIELDS = ['timings.prompt_n', 'timings.cache_n', 'timings.predicted_n', 'timings.predicted_per_second'] as const;

export function judge(p: ProbeSet): Record<CheckQuestion, Finding> {
  return {
    health: judgeHealth(p.health),
    ...judgeFields(p.cold),
    thinking: judgeThinking(p.thinkingOn, p.thinkingOff),
    speculative: judgeSpeculative(p.speculative, p.cold),
    cacheReuse: judgeCacheReuse(p.extended),
    cacheOff: judgeCacheOff(p.cacheOff, p.extended),
    contextSize: typeof p.context === 'string' ? unknown(p.context) : finding('yes', p.context.field, p.context.tokens, ''),
    outputCap: judgeCap(p.cold, p.cap),
  };
}

function judgeHealth(h: ProbeSet['health']): Finding {
  if (h.status === null) return finding('no', h.url, null, `no answer: ${h.body}`);
  const ok = h.status >= 200 && h.status < 300;
  return finding(ok ? 'yes' : 'no', `GET ${h.url}`, h.status, h.body);
}

function judgeFields(cold: ProbeResult): Pick<Record<CheckQuestion, Finding>, 'usage' | 'cachedField' | 'timings'> {
  if (!cold.ok) {
    const why = failed(cold)!;
    return { usage: unknown(why), cachedField: unknown(why), timings: unknown(why) };
  }
  const prompt = wireValue(cold, 'usage.prompt_tokens');
  const cached = firstPresent(cold, CACHED_FIELDS);
  const timings = TIMING_FIELDS.filter((f) => present(wireValue(cold, f)));
  return {
    usage: present(prompt)
      ? finding('yes', 'usage.prompt_tokens', prompt, '')
      : finding('no', 'usage.prompt_tokens', null, cold.usage === null ? 'the streamed reply carries no usage object (stream_options.include_usage ignored)' : 'usage has no prompt_tokens'),
    cachedField: cached
      ? finding('yes', cached.field, cached.value, '')
      : finding('no', CACHED_FIELDS.join(' | '), null, 'neither timings.cache_n nor usage.prompt_tokens_details.cached_tokens: cached share cannot be measured'),
    timings:
      timings.length > 0
        ? finding('yes', 'timings', timings.map((f) => f.slice('timings.'.length)), '')
        : finding('no', 'timings', null, 'the reply carries no timings object: decode speed comes from the client clock, drafting cannot be seen'),
  };
}

function judgeThinking(on: ProbeResult | string, off: ProbeResult | string): Finding {
  const why = failed(on) ?? failed(off);
  if (why !== null) return unknown(why);
  const a = on as Extract<ProbeResult, { ok: true }>;
  const b = off as Extract<ProbeResult, { ok: true }>;
  const reasoned = (p: typeof a): number => Math.max(p.reasoning.length, p.reasoningTokens ?? 0);
  if (reasoned(a) > 0 && reasoned(b) === 0) return finding('yes', 'reasoning_content', { on: a.reasoning.length, off: 0 }, 'reasoning only when on');
  if (reasoned(b) > 0) return finding('no', 'reasoning_content', { on: a.reasoning.length, off: b.reasoning.length }, 'reasoning with thinking off too');
  // No reasoning either way: a template that takes the switch still renders a different prompt
  // (Qwen3's empty think block when off), which the prompt count shows.
  if (a.promptTokens !== null && b.promptTokens !== null && a.promptTokens !== b.promptTokens) {
    return finding('yes', 'usage.prompt_tokens', { on: a.promptTokens, off: b.promptTokens }, 'the chat template took the switch (the same messages, a different prompt); the model wrote no reasoning either way');
  }
  return finding('no', 'reasoning_content', { on: 0, off: 0 }, `no reasoning and the same prompt (${a.promptTokens ?? '?'} tokens) either way: the switch changed nothing`);
}

function judgeSpeculative(spec: ProbeResult | string, control: ProbeResult): Finding {
  const why = failed(spec);
  if (why !== null) return typeof spec === 'string' ? finding('no', null, null, spec) : unknown(why);
  const s = spec as Extract<ProbeResult, { ok: true }>;
  if (s.draftN === null) {
    return finding('no', 'timings.draft_n', null, s.timings === null ? 'no timings in the reply, so no sign of drafting' : 'speculative.* keys sent, no draft_n in the reply\'s timings: nothing was drafted');
  }
  const always = control.ok && control.draftN !== null;
  return finding(
    'yes',
    'timings.draft_n',
    s.draftN,
    always
      ? `drafted ${s.draftN} tokens, but also without the keys (draft_n ${control.draftN}): the server drafts on every request, started with a draft model`
      : `drafted ${s.draftN} tokens with the keys, none without`,
  );
}

function judgeCacheReuse(ext: ProbeResult): Finding {
  if (!ext.ok) return unknown(failed(ext)!);
  const hit = firstPresent(ext, CACHED_FIELDS);
  if (hit === null || ext.cachedTokens === null) return unknown('the reply reports no cached tokens (see the cached tokens row)');
  const of = ext.promptTokens === null ? '' : ` of ${ext.promptTokens} prompt tokens`;
  return ext.cachedTokens > 0
    ? finding('yes', hit.field, hit.value, `the second turn reused ${ext.cachedTokens}${of}`)
    : finding('no', hit.field, hit.value, `the second turn reused nothing${of}`);
}

/** At most this share of the prompt may still come from the cache when it is switched off (~0). */
const CACHE_OFF_SLACK = 0.02;

function judgeCacheOff(off: ProbeResult | string, ext: ProbeResult): Finding {
  if (typeof off === 'string') return unknown(off);
  if (!off.ok) return unknown(failed(off)!);
  const hit = firstPresent(off, CACHED_FIELDS);
  if (hit === null || off.cachedTokens === null) return unknown('the reply reports no cached tokens (see the cached tokens row)');
  const before = ext.ok && ext.cachedTokens !== null ? ` (cache on, the same prefix reused ${ext.cachedTokens})` : '';
  const limit = Math.max(1, Math.floor((off.promptTokens ?? 0) * CACHE_OFF_SLACK));
  return off.cachedTokens <= limit
    ? finding('yes', hit.field, hit.value, `cache_prompt: false brought cached tokens to ${off.cachedTokens}${before}`)
    : finding('no', hit.field, hit.value, `cache_prompt: false still reused ${off.cachedTokens} tokens${before}`);
}

function judgeCap(cold: ProbeResult, cap: number): Finding {
  if (!cold.ok) return unknown(failed(cold)!);
  if (cold.completionTokens === null) return unknown('the reply reports no completion tokens');
  const field = present(wireValue(cold, 'usage.completion_tokens')) ? 'usage.completion_tokens' : 'timings.predicted_n';
  const end = cold.finishReason === null ? '' : `, finish_reason ${cold.finishReason}`;
  return cold.completionTokens <= cap
    ? finding('yes', field, cold.completionTokens, `cap ${cap}${end}`)
    : finding('no', field, cold.completionTokens, `over the cap of ${cap}${end}`);
}
