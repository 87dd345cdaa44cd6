// Host-side state: the loop lives on the host and reaches into the container once per
// command (`bash -lc` through the engine). The working directory is the one piece of shell
// state carried between commands, so `cd repo` on one turn still holds on the next.

import type { TrialContainer } from '../../../core/container.js';
import { ABORTED, raceAbort } from './abortable.js';
import type { Action, ActionOutcome, Executor, ExecutorOptions } from './types.js';

const CWD_MARK = '__pairbench_cwd__=';

/** Runs the command, then reports its exit code unchanged and the shell's final directory on stderr. */
export function wrapCommand(command: string): string {
  return `${command}\n__pb_rc=$?\nprintf '\\n${CWD_MARK}%s\\n' "$PWD" >&2\nexit $__pb_rc`;
}

/** Splits the directory marker off stderr; `cwd` is null when the command exited early or the marker was cut. */
export function splitCwd(stderr: string): { stderr: string; cwd: string | null } {
  const at = stderr.lastIndexOf(`\n${CWD_MARK}`);
  if (at < 0) return { stderr, cwd: null };
  const cwd = stderr.slice(at + CWD_MARK.length + 1).replace(/\n$/, '');
  return { stderr: stderr.slice(0, at), cwd: cwd === '' ? null : cwd };
}

/** The text run for an action: keystrokes run as a command without their Enter. */
export function commandOf(action: Action): string | null {
  const text = action.kind === 'command' ? action.command : action.keys.replace(/\r?\n$/, '');
  return text.trim() === '' ? null : text;
}

function joinOutput(stdout: string, stderr: string): string {
  if (stderr === '') return stdout;
  if (stdout === '' || stdout.endsWith('\n')) return stdout + stderr;
  return `${stdout}\n${stderr}`;
}

export class HostExecExecutor implements Executor {
  readonly kind = 'host-exec' as const;
  private cwd: string | null = null;

  constructor(
    private readonly container: TrialContainer,
    private readonly options: ExecutorOptions,
  ) {}

  async start(): Promise<void> {
    // Nothing lives in the container between commands.
  }

  async run(actions: Action[], signal: AbortSignal): Promise<ActionOutcome> {
    const parts: string[] = [];
    const ran: string[] = [];
    let exitCode: number | null = null;
    let timedOut = false;
    let execMs = 0;
    const commands = actions.map(commandOf).filter((c): c is string => c !== null);
    for (const command of commands) {
      if (signal.aborted) return { observation: parts.join('\n'), command: ran.join('\n') || null, exitCode, timedOut, execMs, waitMs: 0, aborted: true };
      ran.push(command);
      const started = performance.now();
      const result = await raceAbort(
        this.container.exec(wrapCommand(command), {
          timeoutMs: this.options.commandTimeoutMs,
          maxOutputBytes: this.options.maxOutputBytes,
          ...(this.cwd === null ? {} : { workdir: this.cwd }),
        }),
        signal,
      );
      execMs += performance.now() - started;
      if (result === ABORTED) {
        return { observation: parts.join('\n'), command: ran.join('\n'), exitCode: null, timedOut, execMs, waitMs: 0, aborted: true };
      }
      const { stderr, cwd } = splitCwd(result.stderr);
      if (cwd !== null) this.cwd = cwd;
      exitCode = result.timedOut ? null : result.exitCode;
      timedOut ||= result.timedOut;
      const status = result.timedOut
        ? `timed out after ${Math.round(this.options.commandTimeoutMs / 1000)} s; the command was killed`
        : `exit code: ${result.exitCode ?? 'unknown'}`;
      const output = joinOutput(result.stdout, stderr);
      const dropped = result.truncated ? `\n[output beyond ${this.options.maxOutputBytes} bytes was dropped]` : '';
      const header = commands.length > 1 ? `$ ${command}\n` : '';
      parts.push(`${header}${status}\n${output === '' ? '(no output)' : output}${dropped}`);
    }
    if (commands.length === 0) parts.push('(no command was run)');
    return { observation: parts.join('\n'), command: ran.length ? ran.join('\n') : null, exitCode, timedOut, execMs, waitMs: 0, aborted: false };
  }
}
