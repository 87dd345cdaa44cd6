// Persistence as an observer of the sweep: the executor schedules and emits events, the
// recorder turns each into rows. A trial's row is inserted when it starts and completed when
// it ends, turns as they arrive, so a killed runner leaves evidence and loses no finished
// trial. It is the only writer during a sweep.

import type { SweepObserver } from '../core/sweep-events.js';
import type { Db } from './db.js';
import { finishTrial, insertServingEvent, insertTrialStart, insertTurn, updateSweep } from './records.js';

export type SweepRecorder = Required<Pick<SweepObserver, 'onServingProvenance' | 'onAgentIsolation' | 'onTrialStart' | 'onTurn' | 'onTrialEnd' | 'onServingEvent' | 'onSweepEnd'>>;

export function sweepRecorder(db: Db): SweepRecorder {
  return {
    onServingProvenance(sweepId, provenance) {
      updateSweep(db, sweepId, { serving_provenance_json: JSON.stringify(provenance), ...(provenance.simulated === true && { simulated: 1 }) });
    },
    onAgentIsolation(sweepId, isolation) {
      updateSweep(db, sweepId, { agent_isolation_json: JSON.stringify(isolation) });
    },
    onTrialStart(t) {
      insertTrialStart(db, {
        id: t.trialId,
        sweep_id: t.sweepId,
        slot_index: t.slotIndex,
        group_index: t.groupIndex,
        harness: t.harness,
        harness_base: t.harnessBase,
        harness_config_json: JSON.stringify(t.harnessConfig),
        task: t.task,
        trial_index: t.trialIndex,
        attempt: t.attempt,
        simulated: t.simulated,
        container_name: t.containerName,
        trial_dir: t.trialDir,
        started_at: t.startedAt,
        engine: t.engine ?? null,
      });
    },
    onTurn(t, turn) {
      insertTurn(db, t.trialId, turn);
    },
    onTrialEnd(t) {
      finishTrial(db, t.trialId, t.result, t.finishedAt);
    },
    onServingEvent(e) {
      insertServingEvent(db, {
        sweep_id: e.sweepId,
        kind: e.kind,
        reason: e.reason,
        at: e.at,
        duration_ms: e.durationMs,
        trials_done: e.trialsDone,
        detail: e.detail ?? null,
      });
    },
    onSweepEnd(i) {
      updateSweep(db, i.sweepId, { status: i.status, finished_at: i.finishedAt, error_code: i.error?.code ?? null, error_message: i.error?.message ?? null });
    },
  };
}
