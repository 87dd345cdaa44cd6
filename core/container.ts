// What a harness and the verifier may do with a trial's container. The engine adapter
// (dockerode) implements it; nothing above this line knows about Docker.

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

export interface TrialContainer {
  readonly id: string;
  readonly name: string;
  /** Runs `bash -lc <command>` when given a string, the argv as-is when given an array. */
  exec(command: string | string[], options?: ExecOptions): Promise<ExecResult>;
  /** Copies a host directory's contents into the container at `containerDir`. */
  copyIn(hostDir: string, containerDir: string): Promise<void>;
  /** Reads a file from inside the container, or null if it is absent. */
  readFile(containerPath: string): Promise<Buffer | null>;
  isRunning(): Promise<boolean>;
}
