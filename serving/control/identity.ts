// Asks a server pointed at by URL whether it is pairbench's simulated one: figures measured
// against it must be labelled simulated however the sweep reached it (--base-url included).
// Any other server answers 404 or nothing on this route; that is a plain "no".

import { SIMULATED_IDENTITY, SIMULATED_IDENTITY_ROUTE } from '../../core/serving.js';
import { serverRoot } from '../client/create.js';

export async function saysSimulated(baseUrl: string, timeoutMs = 5_000): Promise<boolean> {
  try {
    const res = await fetch(`${serverRoot(baseUrl)}${SIMULATED_IDENTITY_ROUTE}`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return false;
    const body = (await res.json()) as { server?: unknown; simulated?: unknown };
    return body.simulated === true && body.server === SIMULATED_IDENTITY.server;
  } catch {
    return false;
  }
}
