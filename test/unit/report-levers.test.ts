// The report says, per variant, which levers it asked for and which the server applied, read
// from a real store file: the trials' stored configuration and the turns' stored figures.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { AGENT_DEFAULT_LEVERS, type Levers } from '../../core/harness.js';
import { emptyTurn, type TurnRecord } from '../../core/turn.js';
import { renderMarkdown } from '../../reports/markdown.js';
import { buildReport } from '../../reports/model.js';
import { loadSweepData } from '../../reports/queries.js';
import { leversAskedApplied, loadVariantLevers } from '../../reports/levers.js';
import { openStore } from '../../store/db.js';
import { finishTrial, insertSweep, insertTrialStart, insertTurn } from '../../store/records.js';

const dir = mkdtempSync(join(tmpdir(), 'pb-report-levers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LIMITS = { maxTurns: 30, maxOutputTokens: 2048, observationBytes: 4096 };
const terse = (thinking: boolean, speculative: boolean): Levers => ({ thinking, speculative, contract: 'terse', state: 'host-exec', context: { kind: 'full' } });

interface Variant {
  harness: string;
  config: unknown;
  /** Per turn: reasoning tokens, draft_n, cached tokens, completion tokens. */
  turns: Array<[number, number | null, number, number]>;
}

function storeWith(variants: Variant[]): string {
  const path = join(dir, `levers-${Math.random().toString(36).slice(2)}.db`);
  const db = openStore(path);
  const at = '2026-01-01T00:00:00.000Z';
  insertSweep(db, {
    id: 's1', created_at: at, finished_at: at, status: 'completed', plan_json: null, git_commit: null, git_dirty: null, host: null,
    engine_version: null, serving_kind: 'command', simulated: 0, serving_provenance_json: null, pairbench_version: null,
    config_json: JSON.stringify({ harnesses: variants.map((v) => v.harness), tasks: ['t'], trials: 1 }),
  });
  for (const [i, v] of variants.entries()) {
    const id = `s1/${v.harness}`;
    insertTrialStart(db, {
      id, sweep_id: 's1', slot_index: i, group_index: 0, harness: v.harness, harness_base: v.harness.split('+')[0]!, task: 't',
      harness_config_json: JSON.stringify(v.config), trial_index: 0, attempt: 1, simulated: false, container_name: null, trial_dir: null, started_at: at,
    });
    for (const [k, [reasoning, draft, cached, completion]] of v.turns.entries()) {
      const t: TurnRecord = { ...emptyTurn(k), prompt_tokens: 1000, cached_tokens: cached, completion_tokens: completion, reasoning_tokens: reasoning, draft_n: draft, http_status: 200, finish_reason: 'stop' };
      insertTurn(db, id, t);
    }
    finishTrial(db, id, { status: 'pass', reward: 1, rewards: null, wallMs: 1000, setupMs: 1, agentMs: 900, verifyMs: 50, teardownMs: 1, turns: v.turns.length, errorCode: null, errorMessage: null, image: null }, at);
  }
  db.close();
  return path;
}

describe('levers asked and applied, per variant, from the stored turns', () => {
  const path = storeWith([
    // Thinking off held; speculation asked, but no answer carried draft figures.
    { harness: 'terse+spec', config: { levers: terse(false, true), limits: LIMITS }, turns: [[0, null, 0, 40], [0, null, 900, 35]] },
    // Thinking on, and the server reasoned in every answer.
    { harness: 'terse+think', config: { levers: terse(true, false), limits: LIMITS }, turns: [[256, null, 0, 300], [256, null, 800, 310]] },
    // An installed agent with prefix cache off and a 64-token cap, but the server cached anyway.
    { harness: 'pi-cache', config: { levers: null, limits: LIMITS, proxyLevers: { ...AGENT_DEFAULT_LEVERS, prefixCache: false, maxOutputTokens: 64 } }, turns: [[0, null, 0, 60], [0, null, 700, 64]] },
    // No model calls.
    { harness: 'oracle', config: { levers: null, limits: LIMITS }, turns: [] },
  ]);

  it('reads what each variant asked and what its turns show', () => {
    const db = openStore(path, { readonly: true });
    try {
      const { trials } = loadSweepData(db, 's1');
      const ids = Array.from(trials.harness, (h) => `s1/${trials.harnessNames[h]}`);
      const levers = loadVariantLevers(db, 's1', trials, ids);
      expect(levers.map((v) => v.harness)).toEqual(['pi-cache', 'terse+spec', 'terse+think']);
      const spec = levers.find((v) => v.harness === 'terse+spec')!;
      expect(spec.asked).toEqual({ thinking: false, speculative: true, prefixCacheOff: false, maxOutputTokens: 2048 });
      expect(spec.seen).toEqual({ answers: 2, reasoning: 0, drafted: 0, cached: 1, largestReply: 40 });
    } finally {
      db.close();
    }
  });

  it('puts one "asked / applied" line per variant in the honest read', () => {
    const db = openStore(path, { readonly: true });
    const md = renderMarkdown(buildReport(loadSweepData(db, 's1')));
    db.close();
    expect(md).toContain(
      '- terse+spec levers, asked / applied: thinking off / applied (reasoning in 0 of 2 answers); speculative decoding on / not applied (draft_n in 0 of 2 answers); output cap 2048 / held (largest reply 40 tokens).',
    );
    expect(md).toContain('- terse+think levers, asked / applied: thinking on / applied (reasoning in 2 of 2 answers); output cap 2048 / held (largest reply 310 tokens).');
    expect(md).toContain('- pi-cache levers, asked / applied: prefix cache off / not applied (cached tokens in 1 of 2 answers); output cap 64 / held (largest reply 64 tokens).');
    expect(md).not.toContain('oracle levers');
  });

  it('reads the turns once: the evidence is tallied in the report\'s own scan', () => {
    const statements: string[] = [];
    const db = new Database(path, { readonly: true, verbose: (sql) => statements.push(String(sql)) });
    try {
      const data = loadSweepData(db, 's1');
      expect(data.variantLevers?.map((v) => v.harness)).toEqual(['pi-cache', 'terse+spec', 'terse+think']);
      expect(statements.filter((sql) => /\b(FROM|JOIN) turns u\b/.test(sql)), statements.join('\n')).toHaveLength(1);
    } finally {
      db.close();
    }
  });

  it('says drafting the variant did not ask for, and when no answer can tell', () => {
    const seen = { answers: 3, reasoning: 0, drafted: 3, cached: 0, largestReply: 50 };
    expect(leversAskedApplied({ harness: 'terse', asked: { thinking: false, speculative: false, prefixCacheOff: false, maxOutputTokens: null }, seen })).toBe(
      'terse levers, asked / applied: thinking off / applied (reasoning in 0 of 3 answers); speculative decoding not asked / drafted anyway (draft_n in 3 of 3 answers).',
    );
    expect(leversAskedApplied({ harness: 'terse', asked: { thinking: true, speculative: true, prefixCacheOff: false, maxOutputTokens: 2048 }, seen: { answers: 0, reasoning: 0, drafted: 0, cached: 0, largestReply: null } })).toBe(
      'terse levers, asked / applied: thinking on; speculative decoding on; output cap 2048 / no answered model call to tell.',
    );
  });
});
