// Progress without a TTY (CI logs, pipes): one plain line per event, nothing redrawn.

import type { SweepReporter } from './types.js';

export function plainLinesReporter(out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = out): SweepReporter {
  const write = (s: string): void => void out.write(`${s}\n`);
  return {
    onSweepStart(i) {
      write(`sweep ${i.sweepId}${i.resumed ? ' (resumed)' : ''}: ${i.total} trials planned, ${i.alreadyDone} already done, concurrency ${i.concurrency}, serving ${i.servingKind}`);
    },
    onTrialEnd(t, c) {
      const wall = t.wallMs === null ? '' : ` ${(t.wallMs / 1000).toFixed(1)}s`;
      const why = t.errorMessage && t.status !== 'pass' ? ` - ${t.errorMessage.split('\n')[0]}` : '';
      write(`[${c.done}/${c.total}] ${t.status} ${t.task}#${t.trialIndex} ${t.harness} a${t.attempt}${wall}${t.willRetry ? ' (retrying)' : ''}${why}`);
    },
    onServingEvent(e) {
      write(`serving ${e.kind}${e.reason ? ` (${e.reason})` : ''}${e.durationMs === null ? '' : ` ${Math.round(e.durationMs)} ms`}`);
    },
    onWarning(message) {
      err.write(`warning: ${message}\n`);
    },
  };
}
