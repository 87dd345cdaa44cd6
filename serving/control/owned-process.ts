// A server process pairbench starts and owns: its output appended to the sweep's serving.log,
// stopped with SIGTERM then SIGKILL, and killed when pairbench exits so no server outlives
// the sweep that started it. It runs in its own process group: a Ctrl-C at the terminal goes
// to pairbench's group only, so the server keeps serving the trials still running, and
// pairbench stops it (the whole group: a wrapper script's children too) once they are done.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface OwnedProcess {
  readonly pid: number;
  /** Set once the process has exited, for whatever reason. */
  readonly exit: ProcessExit | null;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ProcessExit>;
  /** SIGTERM to its group, then SIGKILL after graceMs; resolves once it is gone. */
  stop(graceMs?: number): Promise<ProcessExit>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

// 'exit' handlers must be synchronous: SIGKILL every owned child that is still running.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) signalGroup(child, 'SIGKILL');
  });
}

export function startOwnedProcess(argv: string[], options: { logPath: string; cwd?: string | null }): OwnedProcess {
  const [file, ...args] = argv;
  if (!file) throw new Error('owned process: empty command');
  installExitHook();
  const fd = openSync(options.logPath, 'a');
  // The command line is not logged: it may carry a server-side --api-key.
  writeSync(fd, `=== pairbench: starting ${file.split('/').pop()} at ${new Date().toISOString()} ===\n`);
  let child: ChildProcess;
  try {
    child = spawn(file, args, { cwd: options.cwd ?? undefined, stdio: ['ignore', fd, fd], detached: true });
  } finally {
    closeSync(fd); // the child holds its own copy
  }
  live.add(child);
  let exit: ProcessExit | null = null;
  const exited = new Promise<ProcessExit>((resolveExit) => {
    const done = (info: ProcessExit): void => {
      if (exit) return;
      exit = info;
      live.delete(child);
      resolveExit(info);
    };
    child.once('exit', (code, signal) => done({ code, signal }));
    // spawn failures (ENOENT) arrive as 'error' without an 'exit'
    child.once('error', () => done({ code: null, signal: null }));
  });
  if (child.pid === undefined) {
    // Spawning failed synchronously enough that there is no pid; report it as exited.
    return { pid: -1, get exit() { return exit ?? { code: null, signal: null }; }, exited, stop: () => exited };
  }
  const pid = child.pid;
  return {
    pid,
    get exit() {
      return exit;
    },
    exited,
    async stop(graceMs = 5_000) {
      if (exit) return exit;
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The child's process group (its pid: it leads its own), else the child alone. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

export function describeExit(e: ProcessExit): string {
  return e.signal ? `killed by ${e.signal}` : `exit code ${e.code ?? 'unknown'}`;
}
