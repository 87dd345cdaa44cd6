// Waits for a server to be ready by polling its dialect's health route (serving/dialects/).
// llama-server accepts connections while loading and answers 503 until the model is in.

import { ERROR_CODES, PairbenchError } from '../../core/errors.js';
import type { ServingEndpoint } from '../../core/serving.js';
import { openAiUrl, readApiKey, serverRoot } from '../client/create.js';
import { excerpt } from '../client/errors.js';
import type { Dialect } from '../../core/serving.js';
import { dialectModule } from '../dialects/registry.js';

export function healthUrl(baseUrl: string, dialect: Dialect): string {
  const { under, route } = dialectModule(dialect).health;
  return under === 'v1' ? openAiUrl(baseUrl, route) : `${serverRoot(baseUrl)}${route}`;
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs: number;
  signal?: AbortSignal;
  /** Checked between polls: a reason to stop waiting (an owned process that exited). */
  gaveUp?: () => string | null;
  /**
   * For a server pairbench does not own: nothing will start it, so a refused connection this
   * many polls in a row ends the wait at once (a loading server accepts connections).
   */
  refusalsBeforeGivingUp?: number;
}

const NO_ANSWER_YET = 'no answer yet';
/** The most one poll waits for its answer. */
const POLL_TIMEOUT_MS = 5_000;

/** Nothing listens there, or the name does not resolve: no amount of waiting changes that. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

export interface Ready {
  url: string;
  waitedMs: number;
  polls: number;
}

/** Polls until the route answers 2xx; throws SERVING_NOT_READY with the URL and the last answer. */
export async function waitUntilReady(endpoint: Pick<ServingEndpoint, 'baseUrl' | 'dialect' | 'apiKeyEnv'>, options: WaitOptions): Promise<Ready> {
  const url = healthUrl(endpoint.baseUrl, endpoint.dialect);
  const key = readApiKey(endpoint.apiKeyEnv, process.env);
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  let last = NO_ANSWER_YET;
  let polls = 0;
  let refusals = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    polls++;
    const budget = Math.max(1, Math.ceil(Math.min(POLL_TIMEOUT_MS, deadline - performance.now())));
    try {
      const res = await fetch(url, { headers, signal: anySignal(AbortSignal.timeout(budget), options.signal) });
      const body = await res.text();
      if (res.ok) return { url, waitedMs: Math.round(performance.now() - started), polls };
      last = `HTTP ${res.status} ${excerpt(body, key)}`;
      refusals = 0;
    } catch (e) {
      options.signal?.throwIfAborted();
      const said = describe(e, budget);
      // A poll the window's end cut short does not hide what the server answered before it.
      const cutShort = isTimeout(e) && budget < POLL_TIMEOUT_MS && last !== NO_ANSWER_YET;
      last = cutShort ? `${last}, then ${said} (the rest of the window)` : said;
      refusals = UNREACHABLE.has(said) ? refusals + 1 : 0;
      if (options.refusalsBeforeGivingUp !== undefined && refusals >= options.refusalsBeforeGivingUp) {
        throw new PairbenchError(
          ERROR_CODES.SERVING_REFUSED,
          `nothing answers at ${url} (${last}, ${refusals} tries): pairbench does not own this server, so nothing will start it. ` +
            `Start the server, or check --base-url (or endpoint.base_url).`,
          { outcome: 'serving_failed' },
        );
      }
    }
    const gaveUp = options.gaveUp?.();
    if (gaveUp) throw notReady(url, `${gaveUp}; last answer: ${last}`);
    if (performance.now() + options.intervalMs >= deadline) {
      throw notReady(url, `not ready within ${options.timeoutMs} ms; last answer: ${last}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs));
  }
}

function notReady(url: string, detail: string): PairbenchError {
  return new PairbenchError(ERROR_CODES.SERVING_NOT_READY, `serving layer at ${url} is not ready: ${detail}`, { outcome: 'serving_failed' });
}

function anySignal(a: AbortSignal, b: AbortSignal | undefined): AbortSignal {
  return b ? AbortSignal.any([a, b]) : a;
}

function isTimeout(e: unknown): boolean {
  return e instanceof Error && e.name === 'TimeoutError';
}

function describe(e: unknown, timeoutMs: number): string {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const errors = (cur as { errors?: unknown }).errors;
    cur = Array.isArray(errors) && errors.length > 0 ? errors[0] : (cur as { cause?: unknown }).cause;
  }
  if (isTimeout(e)) return `no answer within ${timeoutMs} ms`;
  return e instanceof Error ? e.message : String(e);
}
