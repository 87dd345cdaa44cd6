// State in the container's terminal, Terminus-style: a tmux session inside the container,
// keystrokes typed into it, a wait, then a capture of the pane. Each send and each capture
// is an engine exec, so this design pays a round trip per look at the screen.

import { ERROR_CODES, PairbenchError } from '../../../core/errors.js';
import type { ExecResult, TrialContainer } from '../../../core/container.js';
import { ABORTED, raceAbort, sleep } from './abortable.js';
import { screenDiff } from './screen-diff.js';
import type { Action, ActionOutcome, Executor, ExecutorOptions } from './types.js';

const SESSION = 'pb';
const COLS = 200;
const ROWS = 50;
const SETTLE_POLL_MS = 200;
// A capture holds the whole scrollback, and an exec keeps the head of what it is sent: a cap
// below the scrollback's size would keep old lines and drop the newest. tmux's default
// history (2,000 lines) plus the screen, at 200 cells of up to 4 UTF-8 bytes, fits in this.
const CAPTURE_MAX_BYTES = 4 * 1024 * 1024;

export class TmuxExecutor implements Executor {
  readonly kind = 'tmux' as const;
  private screen = '';
  private execMs = 0;
  private waitMs = 0;

  constructor(
    private readonly container: TrialContainer,
    private readonly options: ExecutorOptions,
  ) {}

  private async exec(argv: string[], signal: AbortSignal, maxOutputBytes = this.options.maxOutputBytes): Promise<ExecResult | typeof ABORTED> {
    const started = performance.now();
    try {
      return await raceAbort(this.container.exec(argv, { timeoutMs: 15_000, maxOutputBytes }), signal);
    } finally {
      this.execMs += performance.now() - started;
    }
  }

  private async wait(ms: number, signal: AbortSignal): Promise<void> {
    this.waitMs += await sleep(ms, signal);
  }

  private async newSession(signal: AbortSignal): Promise<void> {
    const made = await this.exec(['tmux', 'new-session', '-d', '-s', SESSION, '-x', String(COLS), '-y', String(ROWS)], signal);
    if (made === ABORTED) return;
    if (made.exitCode !== 0) {
      throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `could not start a tmux session in the container: ${made.stderr.trim() || `exit ${made.exitCode}`}`, {
        outcome: 'container_failed',
      });
    }
  }

  private async capture(signal: AbortSignal): Promise<string | null> {
    const pane = ['tmux', 'capture-pane', '-p', '-J', '-t', SESSION];
    let shot = await this.exec([...pane, '-S', '-'], signal, CAPTURE_MAX_BYTES);
    // A scrollback larger still (a tmux.conf that raised history-limit): the screen alone is current.
    if (shot !== ABORTED && shot.exitCode === 0 && shot.truncated) shot = await this.exec(pane, signal, CAPTURE_MAX_BYTES);
    if (shot === ABORTED || shot.exitCode !== 0) return null;
    return shot.stdout;
  }

  async start(signal: AbortSignal): Promise<void> {
    await this.newSession(signal);
    // Wait (bounded) for the shell's first prompt so the first diff starts from it.
    for (let i = 0; i < 25 && !signal.aborted; i++) {
      const shot = await this.capture(signal);
      if (shot !== null && shot.trim() !== '') {
        this.screen = shot;
        break;
      }
      await this.wait(SETTLE_POLL_MS, signal);
    }
    this.execMs = 0;
    this.waitMs = 0;
  }

  private async send(text: string, enter: boolean, signal: AbortSignal): Promise<void> {
    const argv =
      text === ''
        ? ['tmux', 'send-keys', '-t', SESSION, 'Enter']
        : enter
          ? ['sh', '-c', `tmux send-keys -t ${SESSION} -l -- "$1" && tmux send-keys -t ${SESSION} Enter`, 'sh', text]
          : ['tmux', 'send-keys', '-t', SESSION, '-l', '--', text];
    await this.exec(argv, signal);
  }

  /**
   * Polls the pane until two captures in a row agree, bounded by the command timeout. A pane
   * that cannot be read (the command ended the session) stops the polling at once: run()
   * looks again and starts a new session, rather than polling a gone pane until the timeout.
   */
  private async settle(signal: AbortSignal): Promise<{ shot: string | null; timedOut: boolean }> {
    const deadline = performance.now() + this.options.commandTimeoutMs;
    let last = await this.capture(signal);
    while (last !== null && !signal.aborted && performance.now() < deadline) {
      await this.wait(SETTLE_POLL_MS, signal);
      const shot = await this.capture(signal);
      if (shot === null || shot === last) return { shot, timedOut: false };
      last = shot;
    }
    return { shot: last, timedOut: last !== null && !signal.aborted };
  }

  async run(actions: Action[], signal: AbortSignal): Promise<ActionOutcome> {
    this.execMs = 0;
    this.waitMs = 0;
    const typed: string[] = [];
    let timedOut = false;
    let shot: string | null = null;
    for (const action of actions) {
      if (signal.aborted) break;
      if (action.kind === 'command') {
        // The terse contract has no duration: type the command, press Enter, wait for quiet.
        typed.push(`${action.command}\n`);
        await this.send(action.command.replace(/\r?\n$/, ''), true, signal);
        const settled = await this.settle(signal);
        shot = settled.shot;
        timedOut ||= settled.timedOut;
      } else {
        typed.push(action.keys);
        const enter = /\r?\n$/.test(action.keys);
        await this.send(action.keys.replace(/\r?\n$/, ''), enter, signal);
        await this.wait(Math.min(action.durationSec * 1000, this.options.commandTimeoutMs), signal);
        shot = null;
      }
    }
    const aborted = signal.aborted;
    let note = '';
    if (!aborted && shot === null) {
      shot = await this.capture(signal);
      if (shot === null && !signal.aborted) {
        // The session ended (say, the model typed `exit`): give it a fresh terminal.
        await this.newSession(signal);
        shot = (await this.capture(signal)) ?? '';
        note = '[the terminal session had ended; a new one was started]\n';
        this.screen = '';
      }
    }
    const diff = shot === null ? '' : screenDiff(this.screen, shot, ROWS);
    if (shot !== null) this.screen = shot;
    const observation = `${note}New terminal output:\n${diff}${timedOut ? '\n[the screen was still changing when the wait ran out]' : ''}`;
    return {
      observation,
      command: typed.length ? typed.join('').trimEnd() : null,
      exitCode: null,
      timedOut,
      execMs: this.execMs,
      waitMs: this.waitMs,
      aborted,
    };
  }
}
