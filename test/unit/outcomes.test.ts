import { describe, expect, it } from 'vitest';
import { AGENT_OUTCOMES, SUBSTRATE_OUTCOMES, isAgentOutcome, isSubstrateOutcome } from '../../core/outcomes.js';
import { ERROR_CODES, PairbenchError, ValidationError } from '../../core/errors.js';

describe('outcome codes', () => {
  it('keeps agent and substrate outcomes disjoint', () => {
    const overlap = AGENT_OUTCOMES.filter((o) => (SUBSTRATE_OUTCOMES as readonly string[]).includes(o));
    expect(overlap).toEqual([]);
    expect(isSubstrateOutcome('reward_missing')).toBe(true);
    expect(isSubstrateOutcome('fail')).toBe(false);
    expect(isAgentOutcome('turn_limit')).toBe(true);
    expect(isAgentOutcome('running')).toBe(false);
  });

  it('gives every error a distinct stable code', () => {
    const codes = Object.values(ERROR_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c).toMatch(/^PB_[A-Z_]+$/);
  });

  it('lists every validation problem in one message', () => {
    const e = new ValidationError(ERROR_CODES.TASK_INVALID, 'task x is broken', ['a: missing', 'b: wrong type']);
    expect(e).toBeInstanceOf(PairbenchError);
    expect(e.code).toBe('PB_TASK_INVALID');
    expect(e.message).toContain('a: missing');
    expect(e.message).toContain('b: wrong type');
  });
});
