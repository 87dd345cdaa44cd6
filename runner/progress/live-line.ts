// The live TTY line: done/total, passes, failures, substrate errors, restarts, ETA,
// redrawn in place at most every 100 ms. Warnings print above it as permanent lines.

import chalk from 'chalk';
import { isSubstrateOutcome } from '../../core/outcomes.js';
import { eta, formatDuration } from './format.js';
import type { SweepCounts, SweepReporter } from './types.js';

const REDRAW_MS = 100;

export function liveLineReporter(out: NodeJS.WriteStream = process.stdout): SweepReporter {
  let counts: SweepCounts | null = null;
  let doneAtStart = 0;
  let started = 0;
  let running = 0;
  let lastDraw = 0;
  let pending: NodeJS.Timeout | null = null;
  let ticker: NodeJS.Timeout | null = null;

  const line = (): string => {
    if (!counts) return '';
    const c = counts;
    const left = eta(c, doneAtStart, Date.now() - started);
    return [
      chalk.bold(`${c.done}/${c.total}`),
      chalk.green(`${c.passed} pass`),
      (c.failed ? chalk.red : chalk.dim)(`${c.failed} fail`),
      (c.substrate ? chalk.yellow : chalk.dim)(`${c.substrate} substrate`),
      chalk.dim(`${c.restarts} restarts`),
      chalk.dim(`${running} running`),
      chalk.cyan(`ETA ${left === null ? '?' : formatDuration(left)}`),
    ].join('  ');
  };
  const draw = (): void => {
    pending = null;
    lastDraw = Date.now();
    out.write(`\r\x1b[2K${line()}`);
  };
  const schedule = (): void => {
    if (pending) return;
    const wait = Math.max(0, REDRAW_MS - (Date.now() - lastDraw));
    pending = setTimeout(draw, wait);
  };
  const clear = (): void => {
    out.write('\r\x1b[2K');
  };

  return {
    onSweepStart(info, c) {
      started = Date.now();
      doneAtStart = info.alreadyDone;
      // A resumed sweep's earlier passes and failures show from the start, not only once
      // the first trial starts (serving start-up and image builds come before it).
      counts = c;
      // ETA ticks down between trial ends too; unref so it never holds the process open.
      ticker = setInterval(schedule, 1000);
      ticker.unref();
      schedule();
    },
    onTrialStart(_t, c) {
      counts = c;
      running += 1;
      schedule();
    },
    onTrialEnd(t, c) {
      counts = c;
      running = Math.max(0, running - 1);
      // Substrate errors need a look; agent failures are what a comparison measures.
      if (isSubstrateOutcome(t.status)) {
        clear();
        const color = t.willRetry ? chalk.yellow : chalk.red;
        out.write(`${color(t.status)} ${t.task}#${t.trialIndex} ${t.harness} (attempt ${t.attempt})${t.willRetry ? ', retrying' : ''}${t.errorMessage ? `: ${t.errorMessage.split('\n')[0]}` : ''}\n`);
        draw();
      } else schedule();
    },
    onServingEvent(_e, c) {
      counts = c;
      schedule();
    },
    onWarning(message) {
      clear();
      out.write(`${chalk.yellow('warning')} ${message}\n`);
      if (counts) draw();
    },
    onSweepEnd() {
      if (pending) clearTimeout(pending);
      if (ticker) clearInterval(ticker);
      draw();
      out.write('\n');
    },
  };
}
