// Exec inside a trial container with a timeout and an output cap. The output arrives as
// Docker's multiplexed stream (8-byte frame headers); it is demuxed here incrementally and
// everything past the cap is read and dropped, so a command printing 100 MB costs the runner
// bandwidth, not memory. On timeout the command is killed inside the container for real.

import { readdir, readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import type { ExecOptions, ExecResult, TrialContainer } from '../../core/container.js';
import { ERROR_CODES, PairbenchError, errorMessage } from '../../core/errors.js';
import { packDirectoryAt } from './tar.js';

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
/** How long past the deadline the host waits for the in-container kill before it gives up. */
const KILL_GRACE_MS = 2_000;

export interface ExecTarget {
  docker: Docker;
  containerId: string;
  containerName: string;
}

/**
 * Enforces the deadline inside the container with `timeout -s KILL` (coreutils or busybox),
 * which kills the command's whole process group, decided by the container's own shell so
 * it costs no extra round trip. An image without `timeout` runs the command bare, and the
 * host-side backstop below kills it.
 */
function withDeadline(argv: string[], timeoutMs: number): string[] {
  const secs = (Math.max(timeoutMs, 1) / 1000).toFixed(3);
  const script = 'if command -v timeout >/dev/null 2>&1; then exec timeout -s KILL "$@"; fi; shift; exec "$@"';
  return ['sh', '-c', script, 'pairbench-exec', secs, ...argv];
}

/** Runs `bash -lc <command>` for a string, the argv as-is for an array. */
export async function execInContainer(target: ExecTarget, command: string | string[], options: ExecOptions = {}): Promise<ExecResult> {
  const argv = typeof command === 'string' ? ['bash', '-lc', command] : command;
  const cap = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const timeoutMs = options.timeoutMs;
  const wrapped = timeoutMs === undefined ? argv : withDeadline(argv, timeoutMs);
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
      stream.on('error', reject);
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.pipe(sink);
      if (timeoutMs !== undefined) {
        deadline = setTimeout(() => {
          deadlinePassed = true;
          // The in-container `timeout` should end it now; if it does not, stop waiting
          // and kill it from outside.
          backstop = setTimeout(() => {
            abandoned = true;
            stream.destroy();
            void killFromOutside(exec);
            resolve();
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

// A directory can travel with the command that needs it: packed as a tar archive on the
// exec's stdin and unpacked by the container's own tar in the same exec. That saves the
// separate archive upload: one engine round trip, about 50 ms on a local engine, and an
// oracle trial makes two copies. The upload stays the fallback for an exec that cannot
// unpack the archive itself.

const STDIN_COPY_REFUSED = 'pairbench: cannot unpack through stdin here (needs root and tar)';
const STDIN_COPY_FAILED = 'pairbench: unpacking the archive from stdin failed';

/**
 * Copies `hostDir`'s contents to `containerDir`, then runs `command` (a bash string), in one
 * exec when it can. `options` apply to the whole exec, so a timeout also bounds the unpack.
 * The command reads /dev/null, as any exec without stdin does. Where the exec runs as a
 * non-root user or the image has no tar, it falls back to `copyIn` then the command alone.
 * Throws CONTAINER_FAILED (outcome container_failed) when the archive does not unpack, as a
 * failed upload would.
 */
export async function execWithDirectory(
  container: TrialContainer,
  hostDir: string,
  containerDir: string,
  command: string,
  options: Omit<ExecOptions, 'stdin'> = {},
): Promise<ExecResult> {
  // The same archive copyIn uploads, extracted at / as the engine does: missing parents are
  // created, existing ones keep their modes. TAR_OPTIONS from the caller's env must not apply.
  const archive = await packDirectoryAt(hostDir, containerDir);
  const script = [
    `if [ "$EUID" -ne 0 ] || ! command -v tar >/dev/null 2>&1; then echo ${shellQuote(STDIN_COPY_REFUSED)} >&2; exit 1; fi`,
    `TAR_OPTIONS= tar -x -f - -C / || { echo ${shellQuote(STDIN_COPY_FAILED)} >&2; exit 1; }`,
    `{ ${command}\n} </dev/null`,
  ].join('\n');
  const run = await container.exec(script, { ...options, stdin: archive });
  if (run.exitCode === 1 && run.stderr.includes(STDIN_COPY_REFUSED)) {
    await container.copyIn(hostDir, containerDir);
    return container.exec(command, options);
  }
  if (run.exitCode === 1 && run.stderr.includes(STDIN_COPY_FAILED)) {
    const detail = run.stderr.replace(STDIN_COPY_FAILED, '').trim();
    throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `cannot copy ${hostDir} into ${container.name}:${containerDir}${detail ? `: ${detail}` : ''}`, {
      outcome: 'container_failed',
    });
  }
  return run;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

async function killFromOutside(exec: Docker.Exec): Promise<void> {
  // Last resort, for images without a `timeout` binary: the exec's host pid is only
  // reachable when the engine runs on this host, as it does with a local socket. Its
  // descendants are found through /proc, since the command may have left its group.
  try {
    const info = (await exec.inspect()) as { Pid?: number; Running: boolean };
    if (!info.Running || !info.Pid || info.Pid <= 0) return;
    for (const pid of [info.Pid, ...(await descendants(info.Pid))]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  } catch {
    // the command already ended, or its pid is not ours to see
  }
}

async function descendants(pid: number): Promise<number[]> {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    let tids: string[] = [];
    try {
      tids = await readdir(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      const children = await readFile(`/proc/${p}/task/${tid}/children`, 'utf8').catch(() => '');
      for (const c of children.split(' ').filter(Boolean).map(Number)) {
        out.push(c);
        queue.push(c);
      }
    }
  }
  return out;
}

/**
 * The engine may still report a dying container as running for a moment after its
 * processes were killed, so a signal death is re-checked a few times before it counts
 * as the command's own.
 */
async function containerDied(target: ExecTarget): Promise<boolean> {
  for (let i = 0; i < 5; i++) {
    if (!(await containerRunning(target))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** False too when the container is gone or the engine does not answer. */
export async function containerRunning(target: ExecTarget): Promise<boolean> {
  try {
    const info = await target.docker.getContainer(target.containerId).inspect();
    return info.State.Running;
  } catch {
    return false;
  }
}

export function gone(containerName: string, why: string, cause?: unknown): PairbenchError {
  return new PairbenchError(ERROR_CODES.CONTAINER_GONE, `container ${containerName} ${why}`, {
    cause,
    outcome: 'container_failed',
  });
}

/** Maps the engine's "no such container" / "is not running" answers to CONTAINER_GONE. */
export function asGone(e: unknown, target: { containerName: string }): PairbenchError | null {
  const status = (e as { statusCode?: number }).statusCode;
  const msg = errorMessage(e);
  if (status === 404 && /no such container/i.test(msg)) return gone(target.containerName, 'is gone (removed)', e);
  if (status === 409 || /is not running|is paused|is restarting/i.test(msg)) return gone(target.containerName, 'is not running', e);
  if (status === 404 && !/no such exec/i.test(msg)) return gone(target.containerName, 'is gone', e);
  return null;
}

/**
 * Demuxes Docker's 8-byte-header frames into capped stdout/stderr buffers. Kept output is
 * held as views of the stream's own chunks (the socket hands out a fresh buffer per read),
 * so the only copy is the final concat; a header split across chunks is assembled in place.
 */
class DemuxSink extends Writable {
  private readonly head = Buffer.alloc(8);
  private headLen = 0;
  private frameStream = 0;
  private frameLeft = 0;
  private readonly out: { chunks: Buffer[]; kept: number }[] = [
    { chunks: [], kept: 0 },
    { chunks: [], kept: 0 },
  ];
  private dropped = false;

  constructor(private readonly cap: number) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error) => void): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.frameLeft === 0) {
        const take = Math.min(8 - this.headLen, chunk.length - at);
        chunk.copy(this.head, this.headLen, at, at + take);
        this.headLen += take;
        at += take;
        if (this.headLen < 8) break;
        this.headLen = 0;
        this.frameStream = this.head[0]!;
        this.frameLeft = this.head.readUInt32BE(4);
        continue;
      }
      const take = Math.min(this.frameLeft, chunk.length - at);
      this.keep(this.frameStream, chunk.subarray(at, at + take));
      this.frameLeft -= take;
      at += take;
    }
    done();
  }

  private keep(stream: number, data: Buffer): void {
    if (stream !== 1 && stream !== 2) return; // stdin echo frames carry nothing for us
    const o = this.out[stream - 1]!;
    const room = this.cap - o.kept;
    if (room <= 0) {
      this.dropped = true;
      return;
    }
    const part = data.length <= room ? data : data.subarray(0, room);
    if (part.length < data.length) this.dropped = true;
    o.chunks.push(part);
    o.kept += part.length;
  }

  result(): { stdout: string; stderr: string; truncated: boolean } {
    const [stdout, stderr] = [this.out[0]!, this.out[1]!];
    return {
      stdout: Buffer.concat(stdout.chunks, stdout.kept).toString('utf8'),
      stderr: Buffer.concat(stderr.chunks, stderr.kept).toString('utf8'),
      truncated: this.dropped,
    };
  }
}
