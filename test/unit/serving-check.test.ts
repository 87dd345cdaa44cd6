// The serving check's judgements, its store and the sweep warning it feeds: each rule alone,
// on probe results shaped as the model client returns them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { judge, type ProbeResult, type ProbeSet, type ServingCheck } from '../../serving/check/findings.js';
import { renderCheck } from '../../serving/check/render.js';
import { agentsFor, harnessesFor, serverLeverWarnings } from '../../runner/sweep/prepare.js';
import { servingConfigFromFlags } from '../../serving/control/config.js';
import { openStore } from '../../store/db.js';
import { latestServingCheck, saveServingCheck } from '../../store/serving-checks.js';

type Ok = Extract<ProbeResult, { ok: true }>;
const reply = (over: Partial<Ok> = {}): Ok => ({
  ok: true,
  content: 'ls',
  reasoning: '',
  promptTokens: 200,
  cachedTokens: 0,
  completionTokens: 8,
  reasoningTokens: null,
  draftN: null,
  finishReason: 'length',
  usage: { prompt_tokens: 200, completion_tokens: 8 },
  timings: { prompt_n: 200, cache_n: over.cachedTokens ?? 0, predicted_n: 8, ...(over.draftN != null && { draft_n: over.draftN }) },
  ...over,
});
const probes = (over: Partial<ProbeSet> = {}): ProbeSet => ({
  health: { url: 'http://h/health', status: 200, body: '{"status":"ok"}' },
  cold: reply(),
  cap: 8,
  extended: reply({ promptTokens: 220, cachedTokens: 190 }),
  cacheOff: reply({ promptTokens: 220, cachedTokens: 0 }),
  speculative: reply(),
  thinkingOn: reply({ reasoning: 'hmm', promptTokens: 30 }),
  thinkingOff: reply({ promptTokens: 30 }),
  context: { tokens: 2048, field: '/props default_generation_settings.n_ctx' },
  ...over,
});

describe('judge', () => {
  it('reads each lever from the field that decides it', () => {
    const f = judge(probes());
    expect(f.speculative).toMatchObject({ verdict: 'no', field: 'timings.draft_n', value: null });
    expect(f.thinking).toMatchObject({ verdict: 'yes', field: 'reasoning_content' });
    expect(f.cacheReuse).toMatchObject({ verdict: 'yes', field: 'timings.cache_n', value: 190 });
    expect(f.cacheOff).toMatchObject({ verdict: 'yes', value: 0 });
    expect(f.outputCap).toMatchObject({ verdict: 'yes', value: 8 });
    expect(f.contextSize).toMatchObject({ verdict: 'yes', value: 2048 });
  });

  it('takes a different prompt as the thinking switch honoured when the model writes no reasoning, and the same one as ignored', () => {
    expect(judge(probes({ thinkingOn: reply({ promptTokens: 31 }), thinkingOff: reply({ promptTokens: 39 }) })).thinking).toMatchObject({
      verdict: 'yes',
      value: { on: 31, off: 39 },
    });
    expect(judge(probes({ thinkingOn: reply(), thinkingOff: reply() })).thinking.verdict).toBe('no');
    expect(judge(probes({ thinkingOff: reply({ reasoning: 'still thinking' }) })).thinking.verdict).toBe('no');
  });

  it('says no where the server keeps reusing with the cache off, or passes the cap; unknown where a call failed', () => {
    const f = judge(probes({ cacheOff: reply({ promptTokens: 220, cachedTokens: 190 }), cold: reply({ completionTokens: 30 }) }));
    expect(f.cacheOff.verdict).toBe('no');
    expect(f.outputCap).toMatchObject({ verdict: 'no', value: 30 });
    const failed = judge(probes({ extended: { ok: false, error: 'PB_SERVING_HTTP: 500' } }));
    expect(failed.cacheReuse).toMatchObject({ verdict: 'unknown', field: null });
    expect(failed.cacheReuse.detail).toContain('PB_SERVING_HTTP');
  });

  it('tells drafting on every request apart from keys applied per request', () => {
    expect(judge(probes({ speculative: reply({ draftN: 12 }) })).speculative.detail).toBe('drafted 12 tokens with the keys, none without');
    expect(judge(probes({ speculative: reply({ draftN: 12 }), cold: reply({ draftN: 12 }) })).speculative.detail).toContain('every request');
  });
});

const check = (findings = judge(probes())): ServingCheck => ({
  target: { baseUrl: 'http://127.0.0.1:8080', model: 'm', dialect: 'llama-server', simulated: false },
  checkedAt: '2026-01-01T00:00:00.000Z',
  findings,
});

describe('the saved check and the sweep warning', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pb-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the newest check per server root and model', () => {
    const db = openStore(path.join(dir, 'r.db'));
    try {
      saveServingCheck(db, check());
      const later = { ...check(judge(probes({ speculative: reply({ draftN: 4 }) }))), checkedAt: '2026-01-02T00:00:00.000Z' };
      saveServingCheck(db, { ...later, target: { ...later.target, baseUrl: 'http://127.0.0.1:8080/v1' } });
      expect(latestServingCheck(db, 'http://127.0.0.1:8080/', 'm')?.findings.speculative.verdict).toBe('yes');
      expect(latestServingCheck(db, 'http://127.0.0.1:8080', 'other')).toBeNull();
    } finally {
      db.close();
    }
  });

  it('adds what the check found to the warning of each variant asking for an ignored lever', () => {
    const names = ['terse', 'tmux', 'pi-cache'];
    const problems: string[] = [];
    const harnesses = harnessesFor(names, null, problems, agentsFor([path.resolve(import.meta.dirname, '../../agents')], names, problems));
    expect(problems).toEqual([]);
    const config = servingConfigFromFlags({ baseUrl: 'http://127.0.0.1:8080', model: 'm', dialect: 'llama-server' });
    const ignored = check(judge(probes({ thinkingOn: reply(), thinkingOff: reply(), cacheOff: reply({ promptTokens: 220, cachedTokens: 200 }) })));
    const w = serverLeverWarnings(harnesses, config, ignored);
    expect(w[0]).toMatch(/^terse asks for speculative decoding per request.*; the serving check of http:\/\/127\.0\.0\.1:8080 \(2026-01-01T00:00:00\.000Z\) found it not honoured \(timings\.draft_n/);
    expect(w.find((l) => l.includes('thinking switch'))).toMatch(/^terse, tmux ask for the thinking switch/);
    expect(w.some((l) => l.includes('thinking switch') && l.includes('pi-cache'))).toBe(false);
    expect(w.find((l) => l.includes('cache_prompt'))).toMatch(/^pi-cache asks for the prefix cache off per request/);
    // Without a check: only what the dialect itself says.
    expect(serverLeverWarnings(harnesses, config)).toHaveLength(1);
  });

  it('renders one row per question, unknowns with their reason', () => {
    const text = renderCheck(check(judge(probes({ extended: { ok: false, error: 'boom' } }))));
    expect(text.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| lever'))).toHaveLength(10);
    expect(text).toContain('| cache reuse across turns | unknown: the call failed: boom |');
    expect(text).not.toContain('SIMULATED');
  });
});
