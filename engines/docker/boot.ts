// A trial container's boot script: run by the container's own first process, before the
// image's ENTRYPOINT and the idle command, so what the runner must learn from a fresh
// container (the bind probe's users and write) costs no exec: an exec is three round trips
// and a process the engine starts, about as much as the container's own start. Its output
// is read on the container's attached stream, opened before the start, up to a marker line
// on each stream; the stream is then let go and the container runs on.

import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { ExecResult } from '../../core/container.js';
import { DemuxSink } from './demux.js';

/** The boot script's output is a few lines; this bounds a script gone wrong. */
const BOOT_MAX_OUTPUT_BYTES = 64 * 1024;

export interface BootCommand {
  entrypoint: string[];
  cmd: string[];
  marker: string;
}

/**
 * Runs `script` in a subshell (its `exit` ends the script, not the container), prints the
 * marker and its exit code on stdout and the marker on stderr, then execs what the container
 * would have run without it: the image's ENTRYPOINT followed by `command`, as the engine
 * joins them. The shell is replaced, so nothing of the boot stays running.
 */
export function bootCommand(script: string, imageEntrypoint: string[], command: string[]): BootCommand {
  const marker = `pairbench-booted-${randomBytes(8).toString('hex')}`;
  const wrapper = `(\n${script}\n)\nrc=$?\necho "${marker} $rc"\necho "${marker}" >&2\nexec "$@"`;
  return { entrypoint: ['sh', '-c', wrapper, 'pairbench-boot'], cmd: [...imageEntrypoint, ...command], marker };
}

/** The boot's output so far, until both markers are in. */
export interface BootReader {
  /** Resolves with the script's result: exitCode null when the container ended first or it timed out. */
  result(timeoutMs: number): Promise<ExecResult>;
  /** Lets the stream go (after a failed start). */
  close(): void;
}

/** Attaches to the created container's output; call before it is started, so nothing is missed. */
export async function attachBoot(container: Docker.Container, marker: string): Promise<BootReader> {
  const stream = (await container.attach({ stream: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream & { destroy(): void };
  const sink = new DemuxSink(BOOT_MAX_OUTPUT_BYTES);
  const started = performance.now();
  const outLine = new RegExp(`(^|\\n)${marker} (\\d+)\\n`);
  const errLine = new RegExp(`(^|\\n)${marker}\\n`);
  let settle: ((r: ExecResult) => void) | null = null;
  let done: ExecResult | null = null;
  const finish = (exitCode: number | null, timedOut: boolean): void => {
    if (done) return;
    const { stdout, stderr, truncated } = sink.result();
    const cut = (text: string, re: RegExp): string => {
      const m = re.exec(text);
      return m ? text.slice(0, m.index + m[1]!.length) : text;
    };
    done = { exitCode, stdout: cut(stdout, outLine), stderr: cut(stderr, errLine), durationMs: Math.round(performance.now() - started), timedOut, truncated };
    stream.destroy();
    settle?.(done);
  };
  const check = (): void => {
    const { stdout, stderr } = sink.result();
    const out = outLine.exec(stdout);
    if (out && errLine.test(stderr)) finish(Number(out[2]), false);
  };
  stream.pipe(sink);
  stream.on('data', () => setImmediate(check)); // after the sink has taken the chunk
  stream.on('end', () => setImmediate(() => (check(), finish(null, false))));
  stream.on('close', () => setImmediate(() => (check(), finish(null, false))));
  stream.on('error', () => setImmediate(() => finish(null, false)));
  return {
    result(timeoutMs) {
      if (done) return Promise.resolve(done);
      return new Promise<ExecResult>((resolve) => {
        const timer = setTimeout(() => finish(null, true), timeoutMs);
        settle = (r) => {
          clearTimeout(timer);
          resolve(r);
        };
        check();
      });
    },
    close: () => finish(null, false),
  };
}
