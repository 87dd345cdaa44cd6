// The honest read says which of an installed agent's levers the proxy put in the server's
// requests, and which the serving dialect had no per-request field for.

import { describe, expect, it } from 'vitest';
import { leversLine } from '../../reports/model/honest.js';
import { applyLevers } from '../../proxy/levers.js';

describe('levers that reached the server', () => {
  it('names the levers sent and those the dialect could not take', () => {
    const off = { thinking: null, maxOutputTokens: null, prefixCache: false };
    expect(leversLine(applyLevers({}, 'llama-server', off))).toBe('prefix cache off (cache_prompt: false) reached the server in every request.');
    expect(leversLine(applyLevers({}, 'vllm', off))).toBe('prefix cache off (cache_prompt: false) did not: the serving dialect has no per-request field for it.');
    const both = leversLine(applyLevers({}, 'llama-server', { thinking: false, maxOutputTokens: 64, prefixCache: false }));
    expect(both).toBe('the thinking switch, an output cap of 64 tokens, prefix cache off (cache_prompt: false) reached the server in every request.');
  });

  it('says nothing for an agent whose own choices stand', () => {
    expect(leversLine(applyLevers({}, 'llama-server', { thinking: null, maxOutputTokens: null, prefixCache: true }))).toBeNull();
  });
});
