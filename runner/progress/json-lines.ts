// `--json`: one JSON object per line per event, for scripts. Carries ids, names, statuses
// and figures only; the executor never holds a secret, so none can leak here.

import type { SweepReporter } from './types.js';

export function jsonLinesReporter(out: NodeJS.WritableStream = process.stdout): SweepReporter {
  const emit = (event: string, body: object): void => void out.write(`${JSON.stringify({ event, at: new Date().toISOString(), ...body })}\n`);
  return {
    onSweepStart: (info, counts) => emit('sweep_start', { ...info, counts }),
    onTrialStart: (trial, counts) => emit('trial_start', { ...trial, counts }),
    onTrialEnd: (trial, counts) => emit('trial_end', { ...trial, counts }),
    onServingEvent: (e, counts) => emit('serving_event', { ...e, counts }),
    onWarning: (message) => emit('warning', { message }),
    onSweepEnd: (info) => emit('sweep_end', info),
  };
}
