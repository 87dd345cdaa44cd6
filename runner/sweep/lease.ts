// A sweep's lease: only one runner executes a sweep at a time. Two runners on one sweep
// removed each other's containers and ran slots twice; now a resume whose sweep is held by a
// live runner is refused, and only a dead lease (runner gone, or silent past the heartbeat
// deadline when it runs on another host) can be taken over.

import { hostname } from 'node:os';
import { ERROR_CODES, PairbenchError } from '../../core/errors.js';
import type { Db } from '../../store/db.js';
import { currentRunner, describeRunner, runnerLiveness, type RunnerId } from '../../core/runner-identity.js';

/** How often a holder renews its lease. */
export const HEARTBEAT_MS = 5_000;
/** A lease on another host is dead once its heartbeat is this old (pids there cannot be checked). */
export const STALE_AFTER_MS = 60_000;

interface LeaseRow {
  lease_host: string | null;
  lease_pid: number | null;
  lease_start: string | null;
  lease_heartbeat_at: string | null;
}

export interface SweepLease {
  /** Stops the heartbeat and clears the lease if it is still ours. */
  release(): void;
}

/**
 * Takes the sweep's lease for this process, atomically; throws PB_SWEEP_LEASED naming the
 * holder when a live runner has it.
 */
export function takeLease(db: Db, sweepId: string, now: () => Date = () => new Date()): SweepLease {
  const me = currentRunner();
  db.transaction(() => {
    const row = db.prepare('SELECT lease_host, lease_pid, lease_start, lease_heartbeat_at FROM sweeps WHERE id = ?').get(sweepId) as LeaseRow | undefined;
    const holder = row ? holderOf(row) : null;
    if (holder && !(holder.host === me.host && holder.pid === me.pid) && leaseAlive(holder, row!.lease_heartbeat_at, now())) {
      const beat = row!.lease_heartbeat_at ? `, last heartbeat ${Math.round((now().getTime() - Date.parse(row!.lease_heartbeat_at)) / 1000)} s ago` : '';
      throw new PairbenchError(
        ERROR_CODES.SWEEP_LEASED,
        `sweep ${sweepId} is being run by ${describeRunner(holder)}${beat}. Two runners on one sweep would remove each other's containers and run slots twice: ` +
          `wait for it to finish, or stop it (kill ${holder.pid}${holder.host === hostname() ? '' : ` on ${holder.host}`}) and resume again.`,
      );
    }
    db.prepare('UPDATE sweeps SET lease_host = ?, lease_pid = ?, lease_start = ?, lease_heartbeat_at = ? WHERE id = ?').run(
      me.host,
      me.pid,
      me.start,
      now().toISOString(),
      sweepId,
    );
  }).immediate();

  const beat = setInterval(() => {
    try {
      db.prepare('UPDATE sweeps SET lease_heartbeat_at = ? WHERE id = ? AND lease_host = ? AND lease_pid = ?').run(now().toISOString(), sweepId, me.host, me.pid);
    } catch {
      // a busy or closed store: the next beat tries again; release() stops it
    }
  }, HEARTBEAT_MS);
  beat.unref();
  return {
    release() {
      clearInterval(beat);
      try {
        db.prepare('UPDATE sweeps SET lease_host = NULL, lease_pid = NULL, lease_start = NULL, lease_heartbeat_at = NULL WHERE id = ? AND lease_host = ? AND lease_pid = ?').run(
          sweepId,
          me.host,
          me.pid,
        );
      } catch {
        // the lease dies with us anyway: a later resume finds this pid gone
      }
    },
  };
}

function holderOf(row: LeaseRow): RunnerId | null {
  if (row.lease_host === null || row.lease_pid === null) return null;
  return { host: row.lease_host, pid: row.lease_pid, start: row.lease_start ?? '' };
}

function leaseAlive(holder: RunnerId, heartbeatAt: string | null, now: Date): boolean {
  const live = runnerLiveness(holder);
  if (live !== 'unknown') return live === 'alive';
  return heartbeatAt !== null && now.getTime() - Date.parse(heartbeatAt) < STALE_AFTER_MS;
}

/** Whether the runner holding a sweep's lease is known to be gone; a released lease (none held) counts as gone. */
export function leaseHolderGone(db: Db, sweepId: string, now: Date = new Date()): boolean {
  const row = db.prepare('SELECT lease_host, lease_pid, lease_start, lease_heartbeat_at FROM sweeps WHERE id = ?').get(sweepId) as LeaseRow | undefined;
  if (!row) return false;
  const holder = holderOf(row);
  return holder === null || !leaseAlive(holder, row.lease_heartbeat_at, now);
}
