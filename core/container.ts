import type { NetworkMode } from './task.js';

// What a harness and the verifier may do with a trial's container. An engine (engines/)
// implements it; nothing above this line knows which engine runs the container.

export interface ExecOptions {
  timeoutMs?: number; // default: no timeout
  maxOutputBytes?: number; // output beyond this is dropped and `truncated` set; default 1 MiB
  env?: Record<string, string>;
  workdir?: string;
  user?: string;
  stdin?: string | Buffer; // a string is sent as UTF-8, a Buffer byte for byte; the command then sees EOF
}

/** A flat result, like execa's: never thrown for a non-zero exit or a timeout. */
export interface ExecResult {
  exitCode: number | null; // null when killed by the timeout
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  truncated: boolean;
}

/** What readFile reads at most when the caller names no cap. */
export const DEFAULT_READ_MAX_BYTES = 1024 * 1024;

export interface TrialContainer {
  readonly id: string;
  readonly name: string;
  /**
   * What the spec's boot script printed and its exit status (exitCode null when the container
   * ended first, timedOut when it did not finish in time); null when none was asked for.
   */
  readonly boot: ExecResult | null;
  /** Runs `bash -lc <command>` when given a string, the argv as-is when given an array. */
  exec(command: string | string[], options?: ExecOptions): Promise<ExecResult>;
  /**
   * Copies `hostDir`'s contents to `containerDir`, then runs `command` (a bash string), in one
   * exec when it can; `options` bound both. Throws CONTAINER_FAILED when the copy fails.
   */
  execWithDirectory(hostDir: string, containerDir: string, command: string, options?: Omit<ExecOptions, 'stdin'>): Promise<ExecResult>;
  /** Copies a host directory's contents into the container at `containerDir`. */
  copyIn(hostDir: string, containerDir: string): Promise<void>;
  /**
   * Reads a file from inside the container, through the engine (never a host path), or null
   * if it is absent. A symlink is resolved inside the container. Refuses with FILE_NOT_REGULAR
   * what is not a regular file (a directory, FIFO, device) and with FILE_TOO_LARGE one larger
   * than `maxBytes` (default DEFAULT_READ_MAX_BYTES), without reading it.
   */
  readFile(containerPath: string, maxBytes?: number): Promise<Buffer | null>;
  isRunning(): Promise<boolean>;
  /** Kills every process and stops the container; its files stay readable. Quiet when already stopped. */
  stop(): Promise<void>;
  /** Force-removes the container; idempotent, and quiet when it is already gone. */
  remove(): Promise<void>;
  /**
   * Joins or leaves the engine's default network, for Harbor's per-phase network modes. A
   * container that started with no network cannot join one: that throws CONTAINER_FAILED.
   */
  setNetwork(mode: NetworkMode): Promise<void>;
}
