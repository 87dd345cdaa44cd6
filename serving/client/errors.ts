// The ways a model call fails, each a stable code that lands in SQLite as it is. Decided by
// cause: what the server failed to do (unreachable, stalled, crashed, refused the key) is a
// ServingError and ends its trial as 'serving_failed'; what the harness sent or the model
// produced (a prompt over the context, output the server's parser rejects) is the agent's.

import { ERROR_CODES, PairbenchError, type ErrorCode } from '../../core/errors.js';
import type { Outcome } from '../../core/outcomes.js';

/** What the client saw of a call that failed: stored as that call's turn row. */
export interface FailedCall {
  httpStatus: number | null;
  wallMs: number | null;
  ttftMs: number | null;
}

export class ModelCallError extends PairbenchError {
  /** The URL called; never carries credentials (keys travel in a header only). */
  readonly url: string;
  /** Filled in by the client as the error leaves it. */
  call: FailedCall = { httpStatus: null, wallMs: null, ttftMs: null };
  constructor(code: ErrorCode, url: string, message: string, outcome: Outcome, cause?: unknown) {
    super(code, message, { cause, outcome });
    this.url = url;
  }
}

export class ServingError extends ModelCallError {
  constructor(code: ErrorCode, url: string, message: string, cause?: unknown) {
    super(code, url, message, 'serving_failed', cause);
  }
}

/** HTTP 400 from a server that says the prompt does not fit its context: the conversation outgrew it. */
export class ContextLimitError extends ModelCallError {
  constructor(
    url: string,
    readonly status: number,
    readonly promptTokens: number | null,
    readonly contextTokens: number | null,
    bodyExcerpt: string,
  ) {
    const counts = promptTokens !== null && contextTokens !== null ? ` (${promptTokens} prompt tokens, context ${contextTokens})` : '';
    super(ERROR_CODES.CONTEXT_LIMIT, url, `the prompt no longer fits the server's context${counts}: HTTP ${status} ${bodyExcerpt}`, 'context_limit');
  }
}

/** The server's chat parser refused what the model produced, mid-stream. */
export class OutputRejectedError extends ModelCallError {
  constructor(url: string, readonly status: number, bodyExcerpt: string) {
    super(ERROR_CODES.OUTPUT_REJECTED, url, `the server's chat parser rejected the model's output mid-stream: ${bodyExcerpt}`, 'output_rejected');
  }
}

export class ServingRefusedError extends ServingError {
  constructor(url: string, detail: string, cause?: unknown) {
    super(ERROR_CODES.SERVING_REFUSED, url, `serving layer at ${url} refused the connection (${detail})`, cause);
  }
}

export class ServingHttpError extends ServingError {
  readonly status: number;
  readonly bodyExcerpt: string;
  constructor(url: string, status: number, bodyExcerpt: string, context = 'answered') {
    super(ERROR_CODES.SERVING_HTTP, url, `serving layer at ${url} ${context} HTTP ${status}: ${bodyExcerpt || '(empty body)'}`);
    this.status = status;
    this.bodyExcerpt = bodyExcerpt;
  }
}

export class ServingNoFirstTokenError extends ServingError {
  readonly deadlineMs: number;
  constructor(url: string, deadlineMs: number) {
    super(ERROR_CODES.SERVING_NO_FIRST_TOKEN, url, `serving layer at ${url} sent no first token within ${deadlineMs} ms`);
    this.deadlineMs = deadlineMs;
  }
}

export class ServingStalledError extends ServingError {
  readonly idleMs: number;
  constructor(url: string, idleMs: number) {
    super(ERROR_CODES.SERVING_STALLED, url, `stream from ${url} stalled: nothing received for ${idleMs} ms`);
    this.idleMs = idleMs;
  }
}

export class ServingMalformedError extends ServingError {
  constructor(url: string, detail: string, cause?: unknown) {
    super(ERROR_CODES.SERVING_MALFORMED, url, `malformed stream from ${url}: ${detail}`, cause);
  }
}

const EXCERPT_CHARS = 300;

/** A short, single-line excerpt of a body for an error message, with any secret blanked out. */
export function excerpt(text: string, secret: string | null): string {
  let t = text.replace(/\s+/g, ' ').trim();
  if (secret) t = t.split(secret).join('***');
  return t.length > EXCERPT_CHARS ? `${t.slice(0, EXCERPT_CHARS)}…` : t;
}

/** undici wraps socket errors: TypeError('fetch failed', { cause }) with cause.code, or an AggregateError. */
export function causeCode(e: unknown): string | null {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string') return c;
    const errors = (cur as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      cur = errors[0];
      continue;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return null;
}
