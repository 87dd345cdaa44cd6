// The live TTY line: done/total, passes, failures, substrate errors, restarts, ETA, and
// the phase each running trial is in (build, setup, agent, verify, teardown), redrawn in
// place at most every 100 ms and cut to the terminal's width. Warnings print above it as
// permanent lines.

import chalk from 'chalk';
import { isSubstrateOutcome } from '../../core/outcomes.js';
import { eta, formatDuration } from './format.js';
import type { TrialPhase } from '../../core/trial.js';
import type { SweepCounts, SweepReporter, TrialInfo } from './types.js';

const REDRAW_MS = 100;

export function liveLineReporter(out: NodeJS.WriteStream = process.stdout): SweepReporter {
  let counts: SweepCounts | null = null;
  let doneAtStart = 0;
  let started = 0;
  // In start order; a trial shows 'starting' until its first phase arrives.
  const running = new Map<string, { label: string; phase: TrialPhase | 'starting' }>();
  let lastDraw = 0;
  let pending: NodeJS.Timeout | null = null;
  let ticker: NodeJS.Timeout | null = null;

  const line = (): string => {
    if (!counts) return '';
    const c = counts;
    const left = eta(c, doneAtStart, Date.now() - started);
    const head = [
      chalk.bold(`${c.done}/${c.total}`),
      chalk.green(`${c.passed} pass`),
      (c.failed ? chalk.red : chalk.dim)(`${c.failed} fail`),
      (c.substrate ? chalk.yellow : chalk.dim)(`${c.substrate} substrate`),
      chalk.dim(`${c.restarts} restarts`),
      chalk.dim(`${running.size} running`),
      chalk.cyan(`ETA ${left === null ? '?' : formatDuration(left)}`),
    ].join('  ');
    return withinWidth(head, [...running.values()].map((r) => `${r.label} ${chalk.magenta(r.phase)}`), out.columns);
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
    onTrialStart(t, c) {
      counts = c;
      running.set(t.trialId, { label: labelOf(t), phase: 'starting' });
      schedule();
    },
    onTrialPhase(t, phase) {
      const r = running.get(t.trialId);
      if (!r) return;
      r.phase = phase;
      schedule();
    },
    onTrialEnd(t, c) {
      counts = c;
      running.delete(t.trialId);
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

const labelOf = (t: TrialInfo): string => `${t.task}#${t.trialIndex} ${t.harness}`;

// Colour codes take no columns on screen.
const visible = (s: string): number => s.replace(/\x1b\[[0-9;]*m/g, '').length;

/**
 * The counts, then as many running trials as fit in `columns` (all of them when the width is
 * unknown), the rest summed up as "+N more": a line wider than the terminal would wrap and
 * could no longer be redrawn in place.
 */
export function withinWidth(head: string, trials: readonly string[], columns: number | undefined): string {
  const sep = chalk.dim(' | ');
  let line = head;
  for (const [i, trial] of trials.entries()) {
    const rest = trials.length - i - 1;
    const more = rest > 0 ? chalk.dim(` +${rest} more`) : '';
    const next = `${line}${sep}${trial}`;
    if (columns !== undefined && visible(next) + visible(more) >= columns) {
      return `${line}${chalk.dim(` +${trials.length - i} more`)}`;
    }
    line = next;
  }
  return line;
}
