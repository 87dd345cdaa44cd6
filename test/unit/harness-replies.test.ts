import { describe, expect, it } from 'vitest';
import { JSON_CONFIRM_COMPLETE, TERSE_CORRECTION, renderJsonReply, renderTerse } from '../../core/contracts.js';
import { REPLY_CONTRACTS } from '../../harnesses/agent/replies.js';
import { cutBy, onComplete, onViolation } from '../../harnesses/agent/reply-policy.js';
import { cutToBudget } from '../../harnesses/agent/observation.js';
import { commandOf, splitCwd, wrapCommand } from '../../harnesses/agent/executors/host-exec.js';
import { screenDiff } from '../../harnesses/agent/executors/screen-diff.js';
import { buildChatRequest, SPECULATIVE_PARAMS } from '../../harnesses/agent/request.js';
import { turnFromTelemetry } from '../../harnesses/agent/turn-record.js';
import { TERSE_LEVERS } from '../../harnesses/terse.js';
import { TMUX_LEVERS } from '../../harnesses/tmux.js';
import { DEFAULT_LIMITS } from '../../harnesses/variants.js';

const terse = REPLY_CONTRACTS.terse;
const json = REPLY_CONTRACTS.json;
const tools = REPLY_CONTRACTS.tools;
const text = (content: string) => ({ content, toolCalls: [] });
const call = (name: string, args: string) => ({ content: '', toolCalls: [{ id: 'c1', name, arguments: args }] });

describe('reply contracts', () => {
  it('turns a terse reply into one command, or completion', () => {
    expect(terse.parse(text(renderTerse({ kind: 'cmd', think: 'go', command: 'ls -la' })))).toEqual({
      ok: true,
      value: { actions: [{ kind: 'command', command: 'ls -la' }], complete: false },
    });
    expect(terse.parse(text(renderTerse({ kind: 'done', think: 'ok' })))).toEqual({ ok: true, value: { actions: [], complete: true } });
    expect(terse.parse(text('Sure! Here is the command: ls')).ok).toBe(false);
  });

  it('turns a json reply into keystrokes with durations', () => {
    const reply = renderJsonReply({ analysis: 'a', plan: 'p', commands: [{ keystrokes: 'ls\n', duration: 0.5 }], task_complete: false });
    expect(json.parse(text(reply))).toEqual({ ok: true, value: { actions: [{ kind: 'keystrokes', keys: 'ls\n', durationSec: 0.5 }], complete: false } });
    expect(json.parse(text('{"analysis": 1}')).ok).toBe(false);
  });

  it('turns a bash tool call into one command, and a reply without a call into completion', () => {
    expect(tools.tools).toHaveLength(1);
    expect(tools.parse(call('bash', '{"command":"ls -la"}'))).toEqual({ ok: true, value: { actions: [{ kind: 'command', command: 'ls -la' }], complete: false } });
    expect(tools.parse(text('All done.'))).toEqual({ ok: true, value: { actions: [], complete: true } });
    expect(tools.parse(call('bash', '{"command":'))).toMatchObject({ ok: false, problem: expect.stringContaining('not JSON') });
    expect(tools.parse(call('bash', '{"cmd":"ls"}'))).toMatchObject({ ok: false, problem: expect.stringContaining('"command"') });
    expect(tools.parse(call('write', '{}'))).toMatchObject({ ok: false, problem: expect.stringContaining('unknown tool') });
  });
});

describe('the corrective flow', () => {
  it('corrects once, then ends the turn with nothing run, then starts over', () => {
    const first = onViolation(terse, 'no think tag', null, 0);
    expect(first).toEqual({ kind: 'correct', feedback: TERSE_CORRECTION('no think tag'), violationsInARow: 1 });
    const second = onViolation(terse, 'no think tag', null, first.kind === 'correct' ? first.violationsInARow : -1);
    expect(second.kind).toBe('skip');
    expect(second.kind === 'skip' && second.feedback.startsWith('Nothing was run')).toBe(true);
    expect(second.kind === 'skip' && second.violationsInARow).toBe(0);
  });

  it('ends the trial when an unparseable reply was cut at max tokens', () => {
    expect(onViolation(json, 'not valid JSON', 'output_cap', 0)).toEqual({ kind: 'output_limit' });
    expect(onViolation(json, 'not valid JSON', 'context', 0)).toEqual({ kind: 'context_limit' });
  });

  it('tells a reply cut by the output cap from one cut by a full context', () => {
    // llama-server says "length" for both; a reply shorter than the cap was cut by the context.
    expect(cutBy({ finishReason: 'length', completionTokens: 2048 }, 2048)).toBe('output_cap');
    expect(cutBy({ finishReason: 'length', completionTokens: 118 }, 2048)).toBe('context');
    expect(cutBy({ finishReason: 'length', completionTokens: null }, 2048)).toBe('output_cap');
    expect(cutBy({ finishReason: 'stop', completionTokens: 118 }, 2048)).toBeNull();
  });

  it('believes terse done at once and json task_complete on the second ask', () => {
    expect(onComplete(terse, false, null)).toEqual({ kind: 'done' });
    expect(onComplete(json, false, 'New terminal output:\n$')).toEqual({ kind: 'confirm', feedback: `New terminal output:\n$\n\n${JSON_CONFIRM_COMPLETE}` });
    expect(onComplete(json, false, null)).toEqual({ kind: 'confirm', feedback: JSON_CONFIRM_COMPLETE });
    expect(onComplete(json, true, null)).toEqual({ kind: 'done' });
  });
});

describe('the model request', () => {
  const signal = new AbortController().signal;
  it('sends thinking explicitly and speculative params only with the lever on', () => {
    const hints = { task: 't', trial: 'x' };
    const t = buildChatRequest([], TERSE_LEVERS, DEFAULT_LIMITS, hints, signal);
    expect(t).toMatchObject({ thinking: false, speculative: SPECULATIVE_PARAMS, maxTokens: 2048, hints });
    expect(SPECULATIVE_PARAMS).toEqual({ nMax: 12, nMin: 0, pMin: 0.75 });
    const m = buildChatRequest([], TMUX_LEVERS, DEFAULT_LIMITS, hints, signal);
    expect(m.thinking).toBe(true);
    expect(m.speculative).toBeNull();
    expect(m.signal).toBe(signal);
  });

  it('copies every telemetry figure into the turn row', () => {
    const row = turnFromTelemetry(4, {
      ttftMs: 1, wallMs: 2, promptTokens: 3, cachedTokens: 4, completionTokens: 5, reasoningTokens: 6, reasoningChars: 7,
      decodeTps: 8, draftN: 9, draftAccepted: 10, speculativeApplied: true, httpStatus: 200, finishReason: 'stop',
    });
    expect(row).toEqual({
      turn_index: 4, ttft_ms: 1, model_ms: 2, prompt_tokens: 3, cached_tokens: 4, completion_tokens: 5, reasoning_tokens: 6,
      reasoning_chars: 7, decode_tps: 8, draft_n: 9, draft_accepted: 10, speculative_applied: true, http_status: 200,
      finish_reason: 'stop', exec_ms: null, wait_ms: null, exit_code: null, parse_ok: null, command: null, error_code: null,
    });
  });
});

describe('observations', () => {
  it('leaves output within budget alone and marks what it cuts', () => {
    expect(cutToBudget('hello', 10)).toBe('hello');
    const long = `${'a'.repeat(1000)}END`;
    const cut = cutToBudget(long, 100);
    expect(cut.startsWith('a'.repeat(50))).toBe(true);
    expect(cut.endsWith('END')).toBe(true);
    expect(cut).toContain('[... 903 bytes cut: output was 1003 bytes, budget 100 ...]');
  });

  it('never splits a UTF-8 character', () => {
    const cut = cutToBudget('é'.repeat(100), 51);
    expect(cut).not.toContain('\uFFFD');
  });
});

describe('host-exec pieces', () => {
  it('carries the working directory on stderr and strips it back off', () => {
    const wrapped = wrapCommand('cd /tmp');
    expect(wrapped.startsWith('cd /tmp\n')).toBe(true);
    expect(splitCwd('warning\n__pairbench_cwd__=/app/repo\n')).toEqual({ stderr: 'warning', cwd: '/app/repo' });
    expect(splitCwd('\n__pairbench_cwd__=/\n')).toEqual({ stderr: '', cwd: '/' });
    expect(splitCwd('no marker')).toEqual({ stderr: 'no marker', cwd: null });
  });

  it('runs keystrokes as a command without their Enter', () => {
    expect(commandOf({ kind: 'keystrokes', keys: 'ls -la\n', durationSec: 1 })).toBe('ls -la');
    expect(commandOf({ kind: 'keystrokes', keys: '\n', durationSec: 1 })).toBeNull();
    expect(commandOf({ kind: 'command', command: 'echo hi' })).toBe('echo hi');
  });
});

describe('screenDiff', () => {
  it('returns from the prompt line on, when the old screen is still a prefix', () => {
    const before = 'root@c:/app# \n\n\n';
    const after = 'root@c:/app# echo hi\nhi\nroot@c:/app# \n\n';
    expect(screenDiff(before, after)).toBe('root@c:/app# echo hi\nhi\nroot@c:/app#');
    expect(screenDiff(after, `${after.trimEnd()} ls\nfile\nroot@c:/app#`)).toBe('root@c:/app# ls\nfile\nroot@c:/app#');
  });

  it('falls back to the last screenful when history no longer lines up', () => {
    expect(screenDiff('a\nb\nc', 'x\ny\nz', 2)).toBe('y\nz');
  });
});
