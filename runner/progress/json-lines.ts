// `--json`: one JSON object per line per event, for scripts. Carries ids, names, statuses
// and figures only; the executor never holds a secret, so none can leak here.

import type { SweepReporter } from './types.js';

export function jsonLinesReporter(out: NodeJS.WritableStream = process.stdout): SweepReporter {
  const emit = (event: string, body: object): void => void out.write(`${JSON.stringify({ event, at: new Date().toISOString(), ...body })}\n`);
  return {
    onSweepStart: (info, counts) => emit('sweep_start', { ...info, counts }),
    onTrialStart: (trial, counts) => emit('trial_start', { ...trial, counts }),
    onTrialPhase: (trial, phase) => emit('trial_phase', { ...trial, phase }),
    // The result flat beside the trial's names: status, reward, wallMs, errorMessage, and the rest.
    onTrialEnd: ({ result, ...trial }, counts) => emit('trial_end', { ...trial, ...result, counts }),
    onServingEvent: (e, counts) => emit('serving_event', { kind: e.kind, reason: e.reason, durationMs: e.durationMs, trialsDone: e.trialsDone, counts }),
    onWarning: (message) => emit('warning', { message }),
    onSweepEnd: (info) => emit('sweep_end', info),
  };
}
