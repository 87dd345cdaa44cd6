// A tinypool worker: runs one trial per task. It never touches SQLite; turns and phase
// changes go to the main thread over the task's MessagePort as they happen, and an abort
// request arrives on the same port (so runTrial tears its container down itself).

import { runTrial } from '../trial.js';
import { ERROR_CODES, errorMessage, isPairbenchError } from '../../core/errors.js';
import { trialEndedEarly } from '../../core/trial.js';
import type { ToMain, ToWorker, WorkerReply, WorkerTask } from './messages.js';

export default async function runTrialInWorker({ spec, port }: WorkerTask): Promise<WorkerReply> {
  const controller = new AbortController();
  port.on('message', (m: ToWorker) => {
    if (m.type === 'abort') controller.abort(new Error('sweep interrupted'));
  });
  const post = (m: ToMain): void => port.postMessage(m);
  try {
    return await runTrial(spec, { onTurn: (turn) => post({ type: 'turn', turn }), onPhase: (phase) => post({ type: 'phase', phase }) }, controller.signal);
  } catch (e) {
    if (isPairbenchError(e) && e.code === ERROR_CODES.INTERRUPTED) return trialEndedEarly('interrupted', ERROR_CODES.INTERRUPTED, e.message);
    // runTrial turns failures into outcomes itself; whatever still escapes is the machinery's fault.
    if (isPairbenchError(e)) return trialEndedEarly(e.outcome ?? 'container_failed', e.code, e.message);
    return trialEndedEarly('container_failed', ERROR_CODES.CONTAINER_FAILED, errorMessage(e));
  } finally {
    // 'end' is the last message on the port: the main thread waits for it, so every turn
    // is stored before the trial's row is completed.
    post({ type: 'end' });
    port.close();
  }
}
