import { describe, expect, it } from 'vitest';
import { isPassingReward, parseReward, parseRewardJson, parseRewardTxt } from '../../verifier/reward.js';

describe('parseReward: which file', () => {
  it('reports missing with both names when neither file exists', () => {
    expect(parseReward({ json: null, txt: null })).toEqual({ kind: 'missing', looked: ['reward.json', 'reward.txt'] });
  });

  it('prefers reward.json over reward.txt', () => {
    const r = parseReward({ json: '{"reward": 0.5}', txt: '1' });
    expect(r).toEqual({ kind: 'ok', file: 'reward.json', reward: 0.5, rewards: { reward: 0.5 } });
  });

  it('does not fall back to reward.txt when reward.json is broken', () => {
    expect(parseReward({ json: '{', txt: '1' })).toMatchObject({ kind: 'invalid', file: 'reward.json' });
    expect(parseReward({ json: '  \n', txt: '1' })).toEqual({ kind: 'empty', file: 'reward.json' });
  });

  it('reads reward.txt when reward.json is absent', () => {
    expect(parseReward({ json: null, txt: '1\n' })).toEqual({ kind: 'ok', file: 'reward.txt', reward: 1, rewards: null });
  });
});

describe('parseRewardTxt', () => {
  it.each([
    ['1', 1],
    ['0', 0],
    ['0.25\n', 0.25],
    ['  1.0  ', 1],
    ['-1', -1],
    ['.5', 0.5],
    ['1e0', 1],
  ])('reads %j as %d', (text, reward) => {
    expect(parseRewardTxt(text)).toMatchObject({ kind: 'ok', reward });
  });

  it.each(['', '   ', '\n\n'])('calls %j empty', (text) => {
    expect(parseRewardTxt(text)).toEqual({ kind: 'empty', file: 'reward.txt' });
  });

  it.each(['passed', 'NaN', 'Infinity', '0x1', '1 1', '1\n0', '1e999', '1,0', 'true'])('calls %j invalid', (text) => {
    const r = parseRewardTxt(text);
    expect(r.kind).toBe('invalid');
    if (r.kind === 'invalid') expect(r.problem).toMatch(/number/);
  });
});

describe('parseRewardJson', () => {
  it('keeps every key beside the headline reward', () => {
    expect(parseRewardJson('{"reward": 1, "tests_passed": 3, "tests_total": 3}')).toEqual({
      kind: 'ok',
      file: 'reward.json',
      reward: 1,
      rewards: { reward: 1, tests_passed: 3, tests_total: 3 },
    });
  });

  it('calls whitespace empty', () => {
    expect(parseRewardJson(' \n')).toEqual({ kind: 'empty', file: 'reward.json' });
  });

  it.each([
    ['{"reward": 1', /not valid JSON/],
    ['[1]', /object of numbers, got an array/],
    ['1', /object of numbers, got a number/],
    ['null', /got null/],
    ['"1"', /got a string/],
    ['{"reward": "1"}', /"reward" is "1", not a finite number/],
    ['{"reward": null}', /"reward" is null/],
    ['{"score": 1}', /no "reward" key/],
    ['{"reward": 1e999}', /not a finite number/],
    ['{}', /no "reward" key/],
  ])('calls %j invalid', (text, problem) => {
    const r = parseRewardJson(text);
    expect(r.kind).toBe('invalid');
    if (r.kind === 'invalid') expect(r.problem).toMatch(problem);
  });

  it('lists every bad key at once', () => {
    const r = parseRewardJson('{"reward": true, "a": "x", "b": 2}');
    expect(r.kind).toBe('invalid');
    if (r.kind === 'invalid') {
      expect(r.problem).toContain('"reward" is true');
      expect(r.problem).toContain('"a" is "x"');
      expect(r.problem).not.toContain('"b"');
      // a bad "reward" value is reported as bad, not also as absent
      expect(r.problem).not.toContain('no "reward" key');
    }
  });
});

describe('isPassingReward', () => {
  it('passes at 1 and above only', () => {
    expect(isPassingReward(1)).toBe(true);
    expect(isPassingReward(2)).toBe(true);
    expect(isPassingReward(0.999)).toBe(false);
    expect(isPassingReward(0)).toBe(false);
  });
});
