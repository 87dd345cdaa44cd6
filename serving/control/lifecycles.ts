// How each kind of management brings a server up and restarts it. The controller adds the
// health wait, the events and the canary on top; a lifecycle only does the process work.

import { appendFileSync, closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Engine } from '../../core/engine.js';
import { connectEngine } from '../../engines/registry.js';
import { ERROR_CODES, PairbenchError } from '../../core/errors.js';
import { excerpt } from '../client/errors.js';
import type { SimLaunch } from '../../simulator/options.js';
import type { Management, SimulatedSettings } from './config.js';
import { describeExit, startOwnedProcess, type OwnedProcess, type ProcessExit } from './owned-process.js';
import { currentHostAndStart, type OwnedServerIdentity } from './reap.js';

export interface Lifecycle {
  /** false for a remote API: nothing pairbench can restart. */
  readonly canRestart: boolean;
  start(): Promise<void>;
  /** Arguments added to the start command from the next (re)start on; false where there is no command to add them to. */
  setExtraArgs(args: readonly string[]): boolean;
  /** `beforeStart` runs between stopping the old process and starting the new one. */
  restart(beforeStart?: () => Promise<void>): Promise<void>;
  /** The owned process's identity (stored with start and restart events), or nothing. */
  identity(): OwnedServerIdentity | Record<string, never>;
  stop(): Promise<void>;
  /** Why the server cannot come up now (an owned process exited), or null. */
  failure(): string | null;
}

export interface LifecycleContext {
  logPath: string;
  /** Called when an owned process exits while pairbench did not ask it to. */
  onCrash(exit: ProcessExit, logTail: string): void;
}

/** An owned process: started with the sweep, restarted as a real process (empty caches). */
export class OwnedLifecycle implements Lifecycle {
  readonly canRestart = true;
  private proc: OwnedProcess | null = null;
  private stopping = false;

  constructor(
    private readonly argv: string[],
    private readonly cwd: string | null,
    private readonly ctx: LifecycleContext,
  ) {}

  private id: OwnedServerIdentity | null = null;
  private extraArgs: readonly string[] = [];

  setExtraArgs(args: readonly string[]): boolean {
    this.extraArgs = args;
    return true;
  }

  async start(): Promise<void> {
    const proc = startOwnedProcess([...this.argv, ...this.extraArgs], { logPath: this.ctx.logPath, cwd: this.cwd });
    this.proc = proc;
    // Read at once, so a resume or `cleanup` can tell this very process from a recycled pid.
    this.id = { pid: proc.pid, startedAt: new Date().toISOString(), ...currentHostAndStart(proc.pid) };
    void proc.exited.then((exit) => {
      if (!this.stopping && this.proc === proc) this.ctx.onCrash(exit, logTail(this.ctx.logPath));
    });
  }

  async restart(beforeStart?: () => Promise<void>): Promise<void> {
    await this.stop();
    await beforeStart?.();
    await this.start();
  }

  identity(): OwnedServerIdentity | Record<string, never> {
    return this.id ?? {};
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.stopping = true;
    try {
      await proc.stop();
    } finally {
      this.stopping = false;
    }
  }

  failure(): string | null {
    const exit = this.proc?.exit;
    return exit ? `the server process exited (${describeExit(exit)}); end of serving.log: ${logTail(this.ctx.logPath)}` : null;
  }
}

/** A server someone else runs, restarted by a command such as `systemctl --user restart llama-server`. */
export class RestartCommandLifecycle implements Lifecycle {
  readonly canRestart = true;
  setExtraArgs(): boolean {
    return false;
  }
  constructor(
    private readonly command: string,
    private readonly ctx: LifecycleContext,
  ) {}

  async start(): Promise<void> {}

  async restart(): Promise<void> {
    const r = await execa(this.command, { shell: true, all: true, reject: false, timeout: 300_000, stdin: 'ignore' });
    appendFileSync(this.ctx.logPath, `=== pairbench: restart command at ${new Date().toISOString()} (exit ${r.exitCode ?? 'none'}) ===\n${r.all ?? ''}\n`);
    if (r.failed) {
      throw new PairbenchError(ERROR_CODES.SERVING_START_FAILED, `restart command failed (${r.timedOut ? 'timed out' : `exit code ${r.exitCode}`}): ${excerpt(r.all ?? '', null)}`, {
        outcome: 'serving_failed',
      });
    }
  }

  async stop(): Promise<void> {}
  failure(): string | null {
    return null;
  }
  identity(): Record<string, never> {
    return {};
  }
}

/** A server in a named container on the engine, restarted through the engine's API. */
export class ContainerLifecycle implements Lifecycle {
  readonly canRestart = true;
  setExtraArgs(): boolean {
    return false;
  }
  private connection: Promise<Engine> | null = null;
  constructor(private readonly name: string) {}

  async start(): Promise<void> {
    await this.engine('start', (e) => e.startNamed(this.name));
  }

  async restart(): Promise<void> {
    await this.engine('restart', (e) => e.restartNamed(this.name));
  }

  async stop(): Promise<void> {} // not ours to stop: it was running before the sweep
  failure(): string | null {
    return null;
  }
  identity(): Record<string, never> {
    return {};
  }

  private async engine(what: string, fn: (e: Engine) => Promise<unknown>): Promise<void> {
    try {
      this.connection ??= connectEngine();
      await fn(await this.connection.catch((e: unknown) => {
        this.connection = null;
        throw e;
      }));
    } catch (e) {
      throw new PairbenchError(ERROR_CODES.SERVING_START_FAILED, `cannot ${what} serving container ${this.name}: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
        outcome: 'serving_failed',
      });
    }
  }
}

/** A remote API: nothing to start, nothing to restart. */
export class RemoteLifecycle implements Lifecycle {
  readonly canRestart = false;
  setExtraArgs(): boolean {
    return false;
  }
  async start(): Promise<void> {}
  async restart(): Promise<void> {}
  async stop(): Promise<void> {}
  failure(): string | null {
    return null;
  }
  identity(): Record<string, never> {
    return {};
  }
}

export function lifecycleFor(management: Management, port: number | null, ctx: LifecycleContext): Lifecycle {
  switch (management.type) {
    case 'command':
      return new OwnedLifecycle(management.command, management.cwd, ctx);
    case 'simulated':
      if (port === null) throw new Error('simulated serving needs a port');
      return new OwnedLifecycle(simulatedServerArgv(management.simulated, port), null, ctx);
    case 'restart_command':
      return new RestartCommandLifecycle(management.command, ctx);
    case 'container':
      return new ContainerLifecycle(management.container);
    case 'none':
      return new RemoteLifecycle();
  }
}

/** What the simulated server is started with, on a fixed port so restarts keep the URL. */
export function simulatedServerLaunch(s: SimulatedSettings, port: number): SimLaunch {
  return {
    options: {
      port,
      timeScale: s.timeScale,
      loadTimeMs: s.loadTimeMs,
      // None named: the tasks under the working directory, as `pairbench serve` by hand.
      tasksDir: s.tasksDir ?? './tasks',
      ...(s.seed !== null && { seed: s.seed }),
      ...(s.slowdownPerRequest !== null && { cost: { slowdownPerRequest: s.slowdownPerRequest } }),
      faults: { ...s.faults },
    },
    // The server exits when this process is gone, even when it was SIGKILLed.
    parentPid: process.pid,
  };
}

/** `node <repo>/bin/pairbench.js serve --simulated --launch <json>`: the settings cross as one object. */
export function simulatedServerArgv(s: SimulatedSettings, port: number): string[] {
  return [process.execPath, pairbenchBin(), 'serve', '--simulated', '--launch', JSON.stringify(simulatedServerLaunch(s, port))];
}

/** bin/pairbench.js of this checkout, found upward from this module (source or dist). */
export function pairbenchBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'bin', 'pairbench.js');
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('cannot find bin/pairbench.js above serving/control');
}

export function logTail(path: string, bytes = 600): string {
  try {
    const size = statSync(path).size;
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(Math.min(bytes, size));
      readSync(fd, buf, 0, buf.length, size - buf.length);
      return excerpt(buf.toString('utf8'), null);
    } finally {
      closeSync(fd);
    }
  } catch {
    return '(no log)';
  }
}
