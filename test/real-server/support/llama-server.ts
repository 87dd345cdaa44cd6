// The real llama-server for this suite: its binary and models come from environment variables
// (.ci/run sets them from ../shared/tools/llama-server; a user points them at their own build).
// A missing variable fails the file that needs it, with the fix in the message: never a skip.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '../../../serving/control/controller.js';

export interface RealServerPaths {
  binary: string;
  model: string;
  /** The same model without suppressed byte tokens: its output trips the server's parser. */
  modelNoSuppress: string | null;
}

const VARS = {
  binary: 'PAIRBENCH_LLAMA_SERVER',
  model: 'PAIRBENCH_LLAMA_MODEL',
  modelNoSuppress: 'PAIRBENCH_LLAMA_MODEL_NOSUPPRESS',
} as const;

/** The binary and model paths, or an Error naming every missing variable and how to set it. */
export function realServerPaths(options: { needNoSuppress?: boolean } = {}): RealServerPaths {
  const problems: string[] = [];
  const read = (name: string, required: boolean): string | null => {
    const v = process.env[name];
    if (!v) {
      if (required) problems.push(`${name} is not set`);
      return null;
    }
    if (!existsSync(v)) problems.push(`${name}=${v}: no such file`);
    return v;
  };
  const binary = read(VARS.binary, true);
  const model = read(VARS.model, true);
  const modelNoSuppress = read(VARS.modelNoSuppress, options.needNoSuppress === true);
  if (problems.length > 0) {
    throw new Error(
      `the real-server suite needs a llama-server binary and a GGUF model: ${problems.join('; ')}. ` +
        `Run it through .ci/run, or set ${VARS.binary}, ${VARS.model} (and ${VARS.modelNoSuppress}) ` +
        `to e.g. ../shared/tools/llama-server/{llama-server,tiny-random.gguf,tiny-random-nosuppress.gguf}.`,
    );
  }
  return { binary: binary!, model: model!, modelNoSuppress };
}

export interface ServerFlags {
  /** Context size in tokens (-c); small by default, so context limits are cheap to reach. */
  ctx?: number;
  /** Parallel slots (-np). */
  parallel?: number;
  /** Use the no-suppress model (its output fails the chat parser). */
  noSuppress?: boolean;
  /** A given port (e.g. a server started again where a killed one was); a free one otherwise. */
  port?: number;
  extra?: string[];
}

/** The argv of a real llama-server on `port`: one thread, one slot, ChatML via --jinja. */
export function llamaServerArgv(paths: RealServerPaths, port: number, flags: ServerFlags = {}): string[] {
  const model = flags.noSuppress ? paths.modelNoSuppress : paths.model;
  if (!model) throw new Error(`${VARS.modelNoSuppress} is not set`);
  return [
    paths.binary, '-m', model, '--host', '127.0.0.1', '--port', String(port),
    '-np', String(flags.parallel ?? 1), '-c', String(flags.ctx ?? 2048), '-t', '1', '--jinja', '--metrics',
    ...(flags.extra ?? []),
  ];
}

export interface RunningServer {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  logPath: string;
  log(): string;
  stop(): Promise<void>;
}

/** Starts a real llama-server on a free port and waits for GET /health to answer 200. */
export async function startLlamaServer(flags: ServerFlags = {}): Promise<RunningServer> {
  const paths = realServerPaths({ needNoSuppress: flags.noSuppress === true });
  const port = flags.port ?? (await freeLoopbackPort());
  const dir = mkdtempSync(join(tmpdir(), 'pb-llama-'));
  const logPath = join(dir, 'server.log');
  const [file, ...args] = llamaServerArgv(paths, port, flags);
  const { openSync, closeSync } = await import('node:fs');
  const fd = openSync(logPath, 'a');
  const child = spawn(file!, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const log = (): string => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  await waitHealthy(url, child, log, 60_000).catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  return { url, port, pid: child.pid!, child, logPath, log, stop };
}

async function waitHealthy(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`llama-server exited before it was healthy:\n${log().slice(-2000)}`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`llama-server at ${url} not healthy within ${timeoutMs} ms:\n${log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
