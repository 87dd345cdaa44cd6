// Before pairbench starts a server it owns, nothing may answer at that server's URL: a
// leftover (say, from a killed run) would keep the port, pairbench's own server would fail
// to bind, and the sweep would run against the leftover, its "restarts" restarting nothing.

import { ERROR_CODES, PairbenchError } from '../../core/errors.js';

/** Resolves when the connection is refused (the port is free); throws when anything answers. */
export async function refuseIfAnswering(url: string, timeoutMs = 2_000): Promise<void> {
  let answer: string;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    answer = `HTTP ${res.status}`;
  } catch (e) {
    if (connectionRefused(e)) return;
    // Accepted but silent (a wedged leftover) holds the port just the same.
    answer = e instanceof Error && e.name === 'TimeoutError' ? `accepted the connection, no answer within ${timeoutMs} ms` : String((e as Error).message ?? e);
  }
  throw new PairbenchError(
    ERROR_CODES.SERVING_START_FAILED,
    `something already answers at ${url} (${answer}), so the server pairbench would start cannot take that port and the sweep would measure the other one. ` +
      'Stop that process (`pairbench cleanup` reaps servers left by killed pairbench runs), or give the serving file another port.',
    { outcome: 'serving_failed' },
  );
}

function connectionRefused(e: unknown): boolean {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    if ((cur as { code?: unknown }).code === 'ECONNREFUSED') return true;
    const errors = (cur as { errors?: unknown }).errors;
    cur = Array.isArray(errors) && errors.length > 0 ? errors[0] : (cur as { cause?: unknown }).cause;
  }
  return false;
}
