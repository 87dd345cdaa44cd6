import { describe, expect, it } from 'vitest';
import { costOf, DEFAULT_COST_MODEL, slowdownFactor, type CostInput } from '../../simulator/cost-model.js';
import { resolveSimOptions } from '../../simulator/options.js';
import { reasoningBlock } from '../../simulator/policy.js';
import { SlotPool } from '../../simulator/prefix-cache.js';
import { createState } from '../../simulator/state.js';
import { renderGenerated, renderPrompt, tokenCount } from '../../simulator/tokens.js';
import { timingsOf } from '../../simulator/wire.js';

const base: CostInput = { promptTokens: 2000, cachedTokens: 0, predictedTokens: 100, speculative: null, requestsServed: 0 };

describe('cost model', () => {
  it('uses the seed figures by default: a 43,241-token cold prompt takes about 37.5 s', () => {
    const cold = costOf(DEFAULT_COST_MODEL, { ...base, promptTokens: 43_241 });
    expect(cold.promptMs / 1000).toBeGreaterThan(35);
    expect(cold.promptMs / 1000).toBeLessThan(40);
    expect(cold.predictedPerSecond).toBe(DEFAULT_COST_MODEL.decodeTps);
  });

  it('a cache hit lowers prompt_n and prompt time; a full hit still processes one token', () => {
    const pool = new SlotPool(1);
    const turn1 = renderPrompt([
      { role: 'system', content: 'You are an agent. '.repeat(50) },
      { role: 'user', content: 'Do the task.' },
    ]);
    const miss = pool.pick(turn1)!;
    expect(miss.cachedTokens).toBe(0);
    pool.release(miss.slot, turn1 + renderGenerated('', '<cmd>ls</cmd>'));
    const turn2 = renderPrompt([
      { role: 'system', content: 'You are an agent. '.repeat(50) },
      { role: 'user', content: 'Do the task.' },
      { role: 'assistant', content: '<cmd>ls</cmd>' },
      { role: 'user', content: 'a b c' },
    ]);
    const hit = pool.pick(turn2)!;
    expect(hit.cachedTokens).toBeGreaterThan(tokenCount(turn1) - 2);

    const cold = costOf(DEFAULT_COST_MODEL, { ...base, promptTokens: tokenCount(turn2) });
    const warm = costOf(DEFAULT_COST_MODEL, { ...base, promptTokens: tokenCount(turn2), cachedTokens: hit.cachedTokens });
    expect(warm.promptN).toBeLessThan(cold.promptN);
    expect(warm.promptMs).toBeLessThan(cold.promptMs);
    expect(warm.promptN + warm.cacheN).toBe(tokenCount(turn2));

    const full = costOf(DEFAULT_COST_MODEL, { ...base, cachedTokens: base.promptTokens });
    expect(full.promptN).toBe(1);
    expect(full.cacheN).toBe(base.promptTokens - 1);
  });

  it('thinking off: the empty think block of the generation prompt keeps the reply out of the next turn\'s cache', () => {
    const system = { role: 'system', content: 'You are an agent. '.repeat(50) };
    const task = { role: 'user', content: 'Do the task.' };
    const reply = '<cmd>ls -la /app and then some more words</cmd>';
    for (const thinking of [true, false]) {
      const pool = new SlotPool(1);
      const turn1 = renderPrompt([system, task], [], thinking);
      const first = pool.pick(turn1)!;
      pool.release(first.slot, turn1 + renderGenerated('', reply));
      const turn2 = renderPrompt([system, task, { role: 'assistant', content: reply }, { role: 'user', content: 'a b c' }], [], thinking);
      const hit = pool.pick(turn2)!.cachedTokens;
      if (thinking) expect(hit).toBeGreaterThan(tokenCount(turn1) + tokenCount(reply) - 2);
      else {
        expect(turn1.endsWith('<|im_start|>assistant\n<think>\n\n</think>\n\n')).toBe(true);
        expect(hit).toBeLessThan(tokenCount(turn1));
        expect(hit).toBeGreaterThan(tokenCount(turn1) - 8);
      }
    }
  });

  it('a request takes the idle slot with the longest shared prefix, and waits when all are busy', async () => {
    const pool = new SlotPool(2);
    const a = pool.pick('aaaa')!;
    pool.release(a.slot, 'aaaaaaaaaaaaaaaa');
    const b = pool.pick('bbbbbbbb');
    expect(b!.slot.id).toBe(1); // no slot shares half the prompt: the least recently used
    const take = await pool.acquire('aaaaaaaaxxxx');
    expect(take.slot.id).toBe(0);
    expect(take.cachedTokens).toBe(2);
    const other = await pool.acquire('zzzz');
    expect(other.slot.id).toBe(1);
    let third = false;
    const waiting = pool.acquire('q').then((l) => ((third = true), l));
    await Promise.resolve();
    expect(third).toBe(false);
    pool.release(other.slot, 'zzzz');
    expect((await waiting).slot.id).toBe(1);
  });

  it('a new conversation takes the least recently used slot and leaves a running one cached', async () => {
    const pool = new SlotPool(2);
    const head = '<|im_start|>system\n'; // every rendered prompt starts alike
    const a = await pool.acquire(`${head}agent A ${'a'.repeat(400)}`);
    pool.release(a.slot, `${head}agent A ${'a'.repeat(400)} reply`);
    const b = await pool.acquire(`${head}agent B ${'b'.repeat(400)}`);
    expect(b.slot.id).not.toBe(a.slot.id);
    pool.release(b.slot, `${head}agent B ${'b'.repeat(400)} reply`);
    const again = await pool.acquire(`${head}agent A ${'a'.repeat(400)} reply, then more`);
    expect(again.slot.id).toBe(a.slot.id);
    expect(again.cachedTokens).toBeGreaterThan(100);
  });

  it('thinking adds the reasoning block to the predicted tokens and decode time', () => {
    const content = '<think>Step 1.</think>\n<cmd>ls</cmd>';
    const reasoning = reasoningBlock('Step 1.', DEFAULT_COST_MODEL.reasoningTokens);
    const off = costOf(DEFAULT_COST_MODEL, { ...base, predictedTokens: tokenCount(content) });
    const on = costOf(DEFAULT_COST_MODEL, { ...base, predictedTokens: tokenCount(reasoning) + tokenCount(content) });
    expect(on.predictedN - off.predictedN).toBe(DEFAULT_COST_MODEL.reasoningTokens);
    expect(on.predictedMs).toBeGreaterThan(off.predictedMs);
  });

  it('speculation raises the decode rate and reports draft figures only when it ran', () => {
    const plain = costOf(DEFAULT_COST_MODEL, base);
    const spec = costOf(DEFAULT_COST_MODEL, { ...base, speculative: { nMax: 16 } });
    expect(spec.predictedPerSecond).toBeCloseTo(plain.predictedPerSecond * DEFAULT_COST_MODEL.specSpeedup);
    expect(spec.predictedMs).toBeLessThan(plain.predictedMs);
    expect(spec.draftAccepted).toBeGreaterThan(0);
    expect(spec.draftN).toBeGreaterThanOrEqual(spec.draftAccepted!);
    expect(spec.draftAccepted! / spec.draftN!).toBeCloseTo(DEFAULT_COST_MODEL.specAcceptance, 1);
    expect(timingsOf(spec)).toHaveProperty('draft_n');
    expect(timingsOf(plain)).not.toHaveProperty('draft_n');
    expect(timingsOf(plain)).not.toHaveProperty('draft_n_accepted');
  });

  it('the slowdown grows with requests served and a new process starts from none', () => {
    const model = { ...DEFAULT_COST_MODEL, slowdownPerRequest: 0.01 };
    const fresh = costOf(model, base);
    const later = costOf(model, { ...base, requestsServed: 100 });
    expect(slowdownFactor(model, 100)).toBeCloseTo(2);
    expect(later.promptMs).toBeCloseTo(fresh.promptMs * 2);
    expect(later.predictedMs).toBeCloseTo(fresh.predictedMs * 2);
    expect(later.overheadMs).toBeCloseTo(fresh.overheadMs * 2);
    expect(later.predictedPerSecond).toBeCloseTo(fresh.predictedPerSecond / 2);

    const opts = resolveSimOptions({ cost: { slowdownPerRequest: 0.01 } });
    const before = createState(opts, () => {});
    before.stats.requests = 100;
    const restarted = createState(opts, () => {});
    expect(restarted.stats.requests).toBe(0);
    expect(restarted.pool.slots.every((s) => s.text === '')).toBe(true);
  });

  it('validation lists every bad option at once', () => {
    expect(() => resolveSimOptions({ slots: 0, timeScale: -1, cost: { decodeTps: 0 }, faults: { stall: 2 } })).toThrowError(
      /decodeTps[\s\S]*stall[\s\S]*slots[\s\S]*timeScale/,
    );
  });
});
