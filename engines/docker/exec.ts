// Exec inside a trial container with a timeout and an output cap. The output arrives as
// Docker's multiplexed stream, demuxed and capped as it arrives (demux.ts). On timeout the
// command is killed inside the container for real, through the engine, so it works on a
// remote engine as well as a local one.

import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { ExecOptions, ExecResult } from '../../core/container.js';
import { DemuxSink } from './demux.js';
import { asGone, containerDied, gone, type ContainerRef } from './liveness.js';

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
/** How long past the deadline the host waits for the in-container kill before it gives up. */
const KILL_GRACE_MS = 2_000;
/** How long the backstop's kill may take before the exec is given up on: only a hung engine reaches it. */
const KILL_BOUND_MS = 20_000;
/** Marks the processes of an exec that runs without `timeout`, so the backstop can find them. */
const EXEC_MARK = 'PAIRBENCH_EXEC_MARK';

/**
 * Enforces the deadline inside the container with `timeout -s KILL` (coreutils or busybox),
 * which kills the command's whole process group, decided by the container's own shell so
 * it costs no extra round trip. An image without `timeout` runs the command bare, marked
 * in its environment, and the backstop below kills every process carrying the mark.
 */
function withDeadline(argv: string[], timeoutMs: number, mark: string): string[] {
  const secs = (Math.max(timeoutMs, 1) / 1000).toFixed(3);
  const script = `if command -v timeout >/dev/null 2>&1; then exec timeout -s KILL "$@"; fi; shift; export ${EXEC_MARK}=${mark}; exec "$@"`;
  return ['sh', '-c', script, 'pairbench-exec', secs, ...argv];
}

/** Runs `bash -lc <command>` for a string, the argv as-is for an array. */
export async function execInContainer(target: ContainerRef, command: string | string[], options: ExecOptions = {}): Promise<ExecResult> {
  const argv = typeof command === 'string' ? ['bash', '-lc', command] : command;
  const cap = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const timeoutMs = options.timeoutMs;
  const mark = timeoutMs === undefined ? '' : randomBytes(8).toString('hex');
  const wrapped = timeoutMs === undefined ? argv : withDeadline(argv, timeoutMs, mark);
  const withStdin = options.stdin !== undefined;

  const container = target.docker.getContainer(target.containerId);
  let exec: Docker.Exec;
  try {
    exec = await container.exec({
      Cmd: wrapped,
      AttachStdout: true,
      AttachStderr: true,
      AttachStdin: withStdin,
      Tty: false,
      Env: options.env ? Object.entries(options.env).map(([k, v]) => `${k}=${v}`) : undefined,
      WorkingDir: options.workdir,
      User: options.user,
    });
  } catch (e) {
    throw asGone(e, target) ?? e;
  }

  const started = performance.now();
  const sink = new DemuxSink(cap);
  let deadlinePassed = false;
  let abandoned = false;
  let deadline: NodeJS.Timeout | undefined;
  let backstop: NodeJS.Timeout | undefined;

  try {
    const stream = await exec.start({ hijack: true, stdin: withStdin });
    await new Promise<void>((resolve, reject) => {
      // Once the backstop has abandoned the stream, destroying it must not resolve this: only
      // the kill's end does, so what follows never sees the command still running.
      stream.on('error', (e) => (abandoned ? undefined : reject(e)));
      stream.on('end', () => (abandoned ? undefined : resolve()));
      stream.on('close', () => (abandoned ? undefined : resolve()));
      stream.pipe(sink);
      if (timeoutMs !== undefined) {
        deadline = setTimeout(() => {
          deadlinePassed = true;
          // The in-container `timeout` should end it now; if it does not, stop waiting
          // and kill it through the engine.
          backstop = setTimeout(() => {
            abandoned = true;
            stream.destroy();
            // Resolved once the kill is done, so what follows sees the command gone.
            void killMarked(target, mark).then(resolve);
          }, KILL_GRACE_MS);
        }, timeoutMs);
      }
      if (withStdin) {
        stream.write(options.stdin); // a Buffer goes as-is; a string as UTF-8
        stream.end(); // half-close: the command sees EOF on stdin
      }
    });
  } catch (e) {
    throw asGone(e, target) ?? e;
  } finally {
    clearTimeout(deadline);
    clearTimeout(backstop);
  }
  const durationMs = Math.round(performance.now() - started);

  if (abandoned) return { exitCode: null, ...sink.result(), durationMs, timedOut: true };

  let exitCode: number | null = null;
  try {
    const info = await exec.inspect();
    exitCode = info.Running ? null : info.ExitCode;
  } catch (e) {
    throw asGone(e, target) ?? e;
  }
  // No exit code, or death by signal: find out whether the container itself went away
  // (stopped, removed, OOM-killed) under the command.
  // `timeout -s KILL` exits 137 (124 from some builds) once the deadline has passed.
  const timedOut = deadlinePassed && (exitCode === 137 || exitCode === 124);
  if ((exitCode === null || exitCode >= 128) && !timedOut && (await containerDied(target))) {
    throw gone(target.containerName, 'stopped while a command ran in it');
  }
  return { exitCode: timedOut ? null : exitCode, ...sink.result(), durationMs, timedOut };
}

/**
 * Last resort, for images without a `timeout` binary: a second exec, run by the container's
 * own shell, kills every process whose environment carries the exec's mark (the command and
 * whatever it started, even outside its process group). It needs nothing of this host, so a
 * remote engine kills the same way. The mark is random per exec; the killer does not carry it.
 */
async function killMarked(target: ContainerRef, mark: string): Promise<void> {
  const bound = new Promise<void>((resolve) => setTimeout(resolve, KILL_BOUND_MS).unref());
  await Promise.race([killMarkedNow(target, mark), bound]);
}

async function killMarkedNow(target: ContainerRef, mark: string): Promise<void> {
  const script = `for d in /proc/[0-9]*; do case "$(cat "$d/environ" 2>/dev/null)" in *${EXEC_MARK}=${mark}*) kill -9 "\${d#/proc/}" 2>/dev/null;; esac; done; true`;
  try {
    const exec = await target.docker.getContainer(target.containerId).exec({ Cmd: ['sh', '-c', script], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    await new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
      stream.resume();
    });
  } catch {
    // the container is gone: so is the command
  }
}
