// A benchmark that times pairbench's code in its own process runs it as bin/pairbench.js
// starts pairbench: with glibc's malloc asking for transparent huge pages, without which the
// in-process figures would carry page faults `pairbench` does not pay. Started otherwise, the
// benchmark starts itself again so; either way the processes it starts (its floors) get the
// user's environment back, as pairbench's do (core/launch-env.ts).

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:os';
import { choseHugePages, restoreUserTunables, withHugePages } from '../../core/launch-env.js';

/** Returns in the process that runs the benchmark; the one that started it again waits for it and exits as it did. */
export async function runWithHugePages(): Promise<void> {
  if (restoreUserTunables() || choseHugePages(process.env.GLIBC_TUNABLES)) return;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: withHugePages(process.env) });
  // A signal to this process goes on to the benchmark (one from a terminal reaches it twice).
  const passed = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of passed) process.on(s, () => child.kill(s));
  const [code, signal] = (await Promise.race([once(child, 'exit'), once(child, 'error').then(([e]) => Promise.reject(e as Error))])) as [number | null, NodeJS.Signals | null];
  // Ended by a signal passed on: this process ends by it too; by any other (a crash), as a shell reports it.
  if (signal !== null && (passed as readonly string[]).includes(signal)) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
}
