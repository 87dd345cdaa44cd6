import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { liveLineReporter, withinWidth } from '../../runner/progress/live-line.js';
import { trialEndedEarly } from '../../core/trial.js';
import type { SweepCounts, TrialInfo, TrialStartInfo } from '../../runner/progress/types.js';

const counts: SweepCounts = { total: 4, done: 0, passed: 0, failed: 0, substrate: 0, interrupted: 0, restarts: 0 };

const trial = (trialId: string, task: string, harness: string, trialIndex: number): TrialStartInfo => ({
  trialId, task, harness, trialIndex, slotIndex: trialIndex, groupIndex: 0, attempt: 1,
  sweepId: 'sw', harnessBase: harness, harnessConfig: { levers: null, limits: { maxTurns: 1, maxOutputTokens: 1, observationBytes: 1 } },
  simulated: false, containerName: `c-${trialId}`, trialDir: `/runs/${trialId}`, startedAt: '2026-01-01T00:00:00Z',
});

/** A TTY-like stream of a given width; `last()` is the line as it stands after the newest redraw. */
function screen(columns?: number) {
  const out = new PassThrough() as PassThrough & { columns?: number; isTTY: boolean };
  out.columns = columns;
  out.isTTY = true;
  let written = '';
  out.on('data', (d: Buffer) => (written += d.toString()));
  const plain = (s: string): string => s.replace(/\x1b\[[0-9;]*[mK]/g, '');
  return { out, last: () => plain(written.split('\r').at(-1) ?? '') };
}

describe('live line', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('says which phase each running trial is in', () => {
    const s = screen(200);
    const r = liveLineReporter(s.out as unknown as NodeJS.WriteStream);
    r.onSweepStart!({ sweepId: 'sw', dbPath: 'x.db', resumed: false, total: 4, alreadyDone: 0, concurrency: 2, harnesses: ['terse', 'tmux'], tasks: ['hello'], servingKind: 'none' }, counts);
    const a = trial('t1', 'hello', 'terse', 0);
    const b = trial('t2', 'hello', 'tmux', 0);
    r.onTrialStart!(a, counts);
    r.onTrialStart!(b, counts);
    vi.advanceTimersByTime(200);
    expect(s.last()).toMatch(/2 running .* \| hello#0 terse starting \| hello#0 tmux starting$/);

    r.onTrialPhase!(a, 'agent');
    r.onTrialPhase!(b, 'build');
    vi.advanceTimersByTime(200);
    expect(s.last()).toMatch(/\| hello#0 terse agent \| hello#0 tmux build$/);

    r.onTrialPhase!(b, 'verify');
    const end = { ...(a as TrialInfo), status: 'pass' as const, reward: 1, wallMs: 1000, errorMessage: null, willRetry: false, finishedAt: '', result: trialEndedEarly('pass', null, null) };
    r.onTrialEnd!(end, { ...counts, done: 1, passed: 1 });
    vi.advanceTimersByTime(200);
    expect(s.last()).toMatch(/^1\/4 .*1 running .* \| hello#0 tmux verify$/);
    r.onSweepEnd!({ sweepId: 'sw', dbPath: 'x.db', status: 'completed', counts, wallMs: 1, finishedAt: '', resumeCommand: null, error: null });
  });

  it('keeps the line within the terminal width, counting the trials it leaves out', () => {
    const head = '3/10  1 pass';
    expect(withinWidth(head, ['a#0 terse agent', 'b#0 tmux setup'], undefined)).toBe(`${head} | a#0 terse agent | b#0 tmux setup`);
    const cut = withinWidth(head, ['a#0 terse agent', 'b#0 tmux setup', 'c#0 nop build'], 45).replace(/\x1b\[[0-9;]*m/g, '');
    expect(cut).toBe(`${head} | a#0 terse agent +2 more`);
    expect(cut.length).toBeLessThan(45);
  });
});
