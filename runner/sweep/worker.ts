// A tinypool worker: runs one trial per task. It never touches SQLite; turns and phase
// changes go to the main thread over the task's MessagePort as they happen, and an abort
// request arrives on the same port (so runTrial tears its container down itself).

import { runTrial } from '../trial.js';
import { ERROR_CODES, errorMessage, isPairbenchError } from '../../core/errors.js';
import type { ToMain, ToWorker, WorkerReply, WorkerTask } from './messages.js';

export default async function runTrialInWorker({ spec, port }: WorkerTask): Promise<WorkerReply> {
  const controller = new AbortController();
  port.on('message', (m: ToWorker) => {
    if (m.type === 'abort') controller.abort(new Error('sweep interrupted'));
  });
  const post = (m: ToMain): void => port.postMessage(m);
  try {
    const result = await runTrial(spec, { onTurn: (turn) => post({ type: 'turn', turn }), onPhase: (phase) => post({ type: 'phase', phase }) }, controller.signal);
    return { kind: 'result', result };
  } catch (e) {
    if (isPairbenchError(e) && e.code === ERROR_CODES.INTERRUPTED) return { kind: 'interrupted', message: e.message };
    if (isPairbenchError(e)) return { kind: 'error', code: e.code, outcome: e.outcome ?? null, message: e.message };
    return { kind: 'error', code: null, outcome: null, message: errorMessage(e) };
  } finally {
    // 'end' is the last message on the port: the main thread waits for it, so every turn
    // is stored before the trial's row is completed.
    post({ type: 'end' });
    port.close();
  }
}
