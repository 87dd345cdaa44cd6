import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { TrialResult } from '../../core/trial.js';
import { emptyTurn } from '../../core/turn.js';
import { openStore, type Db } from '../../store/db.js';
import { sweepRecorder } from '../../store/recorder.js';
import { getSweep, insertSweep, type TrialRow } from '../../store/records.js';

let dir: string;
let db: Db;
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

it('writes a trial from its start, turns and result, column for column', () => {
  dir = mkdtempSync(path.join(tmpdir(), 'pb-recorder-'));
  db = openStore(path.join(dir, 'r.db'));
  insertSweep(db, {
    id: 'sw', created_at: 'c', finished_at: null, status: 'running', config_json: '{}', plan_json: null, git_commit: null, git_dirty: null,
    host: null, engine_version: null, serving_kind: 'simulated', simulated: 1, serving_provenance_json: null, pairbench_version: null,
  });
  const rec = sweepRecorder(db);
  const info = { trialId: 'sw-t1', task: 'hello', harness: 'terse+think', trialIndex: 2, slotIndex: 5, groupIndex: 1, attempt: 3 };
  const limits = { maxTurns: 7, maxOutputTokens: 9, observationBytes: 11 };
  rec.onServingProvenance('sw', { model: 'm' });
  rec.onTrialStart({ ...info, sweepId: 'sw', harnessBase: 'terse', harnessConfig: { levers: null, limits }, simulated: true, containerName: 'pb-c', trialDir: '/runs/t1', startedAt: 's', engine: 'podman' }, {} as never);
  rec.onTurn(info, { ...emptyTurn(0), ttft_ms: 12, parse_ok: true });
  const result: TrialResult = {
    status: 'agent_timeout', reward: 0.5, rewards: { reward: 0.5 }, wallMs: 100, setupMs: 10, agentMs: 60, verifyMs: 20, teardownMs: 5,
    turns: 1, errorCode: 'PB_X', errorMessage: 'why', image: 'img',
  };
  rec.onTrialEnd({ ...info, status: result.status, reward: 0.5, wallMs: 100, errorMessage: 'why', willRetry: false, result, finishedAt: 'f' }, {} as never);
  rec.onServingEvent({ sweepId: 'sw', kind: 'restart', reason: 'group 1', at: 'a', durationMs: 3, trialsDone: 4, detail: { pid: 1 } }, {} as never);
  rec.onSweepEnd({ sweepId: 'sw', dbPath: '', status: 'failed', counts: {} as never, wallMs: 1, finishedAt: 'mid', resumeCommand: 'r', error: { code: 'PB_NETWORK_UNGUARDED', message: 'no rules' } });
  expect(getSweep(db, 'sw')).toMatchObject({ status: 'failed', finished_at: 'mid', error_code: 'PB_NETWORK_UNGUARDED', error_message: 'no rules' });
  // A resume that completes the sweep clears the stop it recovered from.
  rec.onSweepEnd({ sweepId: 'sw', dbPath: '', status: 'completed', counts: {} as never, wallMs: 1, finishedAt: 'end', resumeCommand: null, error: null });

  const row = db.prepare('SELECT * FROM trials').get() as TrialRow;
  expect(row).toEqual({
    id: 'sw-t1', sweep_id: 'sw', slot_index: 5, group_index: 1, harness: 'terse+think', harness_base: 'terse',
    harness_config_json: JSON.stringify({ levers: null, limits }), task: 'hello', trial_index: 2, attempt: 3, status: 'agent_timeout',
    simulated: 1, container_name: 'pb-c', trial_dir: '/runs/t1', started_at: 's', finished_at: 'f', reward: 0.5, rewards_json: '{"reward":0.5}',
    wall_ms: 100, setup_ms: 10, agent_ms: 60, verify_ms: 20, teardown_ms: 5, turns: 1, error_code: 'PB_X', error_message: 'why', image: 'img',
    engine: 'podman',
  });
  expect(db.prepare('SELECT turn_index, ttft_ms, parse_ok FROM turns').all()).toEqual([{ turn_index: 0, ttft_ms: 12, parse_ok: 1 }]);
  expect(db.prepare('SELECT kind, reason, at, duration_ms, trials_done, detail_json FROM serving_events').all()).toEqual([
    { kind: 'restart', reason: 'group 1', at: 'a', duration_ms: 3, trials_done: 4, detail_json: '{"pid":1}' },
  ]);
  const sweep = getSweep(db, 'sw')!;
  expect([sweep.status, sweep.finished_at, sweep.serving_provenance_json, sweep.error_code, sweep.error_message]).toEqual(['completed', 'end', '{"model":"m"}', null, null]);
});
