// Who runs a sweep: host, pid and the process's start time (so a recycled pid is not taken for
// the runner). Stamped on the sweep's lease and on every trial container, so a resume or a
// `pairbench cleanup` can tell a live runner's work from what a dead one left behind.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface RunnerId {
  host: string;
  pid: number;
  /** /proc/<pid>/stat's start time in clock ticks since boot; '' where there is no /proc. */
  start: string;
}

export type Liveness = 'alive' | 'gone' | 'unknown';

export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // field 22 overall
  } catch {
    return null;
  }
}

let self: RunnerId | null = null;

export function currentRunner(): RunnerId {
  self ??= { host: hostname(), pid: process.pid, start: processStart(process.pid) ?? '' };
  return self;
}

/** On this host: alive when the pid exists and started when the runner did. Elsewhere: unknown. */
export function runnerLiveness(id: RunnerId): Liveness {
  if (id.host !== hostname()) return 'unknown';
  try {
    process.kill(id.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return 'gone';
    // EPERM: it exists, owned by someone else
  }
  if (id.start === '') return 'alive';
  const now = processStart(id.pid);
  if (now === null) return 'gone';
  return now === id.start ? 'alive' : 'gone';
}

/** The container label's form: host/pid/start. */
export function formatRunner(id: RunnerId): string {
  return `${id.host}/${id.pid}/${id.start}`;
}

export function parseRunner(label: string | undefined): RunnerId | null {
  if (!label) return null;
  const m = /^(.+)\/(\d+)\/(\d*)$/.exec(label);
  return m ? { host: m[1]!, pid: Number(m[2]), start: m[3]! } : null;
}

export function describeRunner(id: RunnerId): string {
  return `pid ${id.pid} on ${id.host}`;
}
