// A server pairbench started from a serving `command` outlives a runner that was SIGKILLed:
// it runs in its own process group, and a SIGKILL leaves the runner no moment to stop it.
// Every start stores the process's host, pid and kernel start time with its serving event;
// a resume or `pairbench cleanup` stops a recorded server that still runs, and only that very
// process: a recycled pid has another start time and is left alone.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface OwnedServerIdentity {
  pid: number;
  /** Wall-clock time of the start, for people. */
  startedAt: string;
  host: string;
  /** /proc/<pid>/stat's start time in clock ticks since boot; '' where there is no /proc. */
  procStart: string;
}

export interface ReapResult {
  reaped: OwnedServerIdentity[];
  failed: { server: OwnedServerIdentity; error: string }[];
}

export function currentHostAndStart(pid: number): { host: string; procStart: string } {
  return { host: hostname(), procStart: procStat(pid)?.start ?? '' };
}

/** The process's state letter and start time, or null when there is no such process. */
function procStat(pid: number): { state: string; start: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] === undefined ? null : { state: fields[0]!, start: fields[19] };
  } catch {
    return null;
  }
}

/** Still the process that was recorded, on this host, and not a zombie. */
export function stillRunning(s: OwnedServerIdentity): boolean {
  if (s.host !== hostname() || s.procStart === '' || !(s.pid > 1)) return false;
  const now = procStat(s.pid);
  return now !== null && now.start === s.procStart && now.state !== 'Z';
}

/** Each recorded server still running: SIGTERM to its group, SIGKILL after graceMs. */
export async function reapServers(servers: readonly OwnedServerIdentity[], graceMs = 5_000): Promise<ReapResult> {
  const result: ReapResult = { reaped: [], failed: [] };
  const seen = new Set<string>();
  for (const s of servers) {
    const key = `${s.host}/${s.pid}/${s.procStart}`;
    if (seen.has(key) || !stillRunning(s)) continue;
    seen.add(key);
    signal(s.pid, 'SIGTERM');
    if (!(await gone(s, graceMs))) {
      signal(s.pid, 'SIGKILL');
      if (!(await gone(s, 2_000))) {
        result.failed.push({ server: s, error: `pid ${s.pid} still runs after SIGKILL` });
        continue;
      }
    }
    result.reaped.push(s);
  }
  return result;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig); // its group: a wrapper script's children too
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // gone meanwhile
    }
  }
}

async function gone(s: OwnedServerIdentity, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (stillRunning(s)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** A stored serving event's detail, read back as the identities it records (start: itself; restart: `after`). */
export function identitiesIn(kind: string, detail: unknown): OwnedServerIdentity[] {
  const d = typeof detail === 'object' && detail !== null ? (detail as Record<string, unknown>) : null;
  const one = kind === 'restart' ? d?.after : kind === 'start' ? d : null;
  if (typeof one !== 'object' || one === null) return [];
  const o = one as Record<string, unknown>;
  if (typeof o.pid !== 'number' || typeof o.host !== 'string' || typeof o.procStart !== 'string') return [];
  return [{ pid: o.pid, startedAt: typeof o.startedAt === 'string' ? o.startedAt : '', host: o.host, procStart: o.procStart }];
}
