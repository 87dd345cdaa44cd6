// The ways a model call fails, each a stable code that lands in SQLite as it is. Every one
// ends its trial as 'serving_failed': the serving layer, not the agent, is at fault.

import { ERROR_CODES, PairbenchError, type ErrorCode } from '../../core/errors.js';

export class ServingError extends PairbenchError {
  /** The URL called; never carries credentials (keys travel in a header only). */
  readonly url: string;
  constructor(code: ErrorCode, url: string, message: string, cause?: unknown) {
    super(code, message, { cause, outcome: 'serving_failed' });
    this.url = url;
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
