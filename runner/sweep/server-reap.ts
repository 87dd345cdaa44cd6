// The servers a sweep's runners started and left running: read from the sweep's serving
// events and stopped, each only if it is still the very process recorded. A resume calls this
// once it holds the lease (the runner before it is gone); `pairbench cleanup` for every sweep
// whose runner is gone.

import type { Db } from '../../store/db.js';
import { serverStartDetails } from '../../store/records.js';
import { identitiesIn, reapServers, stillRunning, type OwnedServerIdentity, type ReapResult } from '../../serving/control/reap.js';

/** The recorded servers of a sweep that still run on this host. */
export function leftoverServers(db: Db, sweepId: string): OwnedServerIdentity[] {
  return serverStartDetails(db, sweepId)
    .flatMap((e) => identitiesIn(e.kind, e.detail))
    .filter(stillRunning);
}

export function reapSweepServers(db: Db, sweepId: string): Promise<ReapResult> {
  return reapServers(leftoverServers(db, sweepId));
}

export function describeServer(s: OwnedServerIdentity): string {
  return `pid ${s.pid}${s.startedAt ? `, started ${s.startedAt}` : ''}`;
}
