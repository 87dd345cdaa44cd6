// What pairbench knows of one serving dialect, in one place: which request fields carry the
// thinking switch, speculative settings and the output cap; where each telemetry figure is
// read from; which route says the server is ready; which routes describe it; how it words a
// prompt that does not fit its context. One module per dialect, one entry in registry.ts.

import type { Dialect } from '../../core/serving.js';
import type { SpeculativeParams } from '../client/types.js';

/** The OpenAI usage object as servers send it (every field optional, any type until read). */
export interface WireUsage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  prompt_tokens_details?: { cached_tokens?: unknown } | null;
  completion_tokens_details?: { reasoning_tokens?: unknown } | null;
}

/** llama-server's `timings` object (tools/server/server-task.cpp, result_timings::to_json). */
export interface WireTimings {
  prompt_n?: unknown;
  cache_n?: unknown;
  predicted_n?: unknown;
  predicted_per_second?: unknown;
  draft_n?: unknown;
  draft_n_accepted?: unknown;
}

/** The figures a dialect reads from the last usage and timings; null where it has none. */
export interface DialectFigures {
  promptTokens: number | null;
  cachedTokens: number | null;
  completionTokens: number | null;
  reasoningTokens: number | null;
  decodeTps: number | null;
  draftN: number | null;
  draftAccepted: number | null;
}

/** Where a lever lives on this server: per request, only at start-up (a restart to change), or nowhere. */
export type LeverHome = 'request' | 'server' | 'none';

/** A prompt the server refused because it does not fit the context. */
export interface ContextExceeded {
  promptTokens: number | null;
  contextTokens: number | null;
}

export interface DialectModule {
  readonly dialect: Dialect;
  /** Where each lever pairbench varies lives on this server (the README's harness table). */
  readonly levers: { thinking: LeverHome; speculative: LeverHome; cache: LeverHome };
  /** The body field for the per-call output cap. */
  readonly maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** Puts the thinking switch where the server reads it; false when it has no field for `on`. */
  thinking(on: boolean, body: Record<string, unknown>): boolean;
  /** Puts per-request speculative settings in the body; false when the server takes none. */
  speculative(spec: SpeculativeParams, body: Record<string, unknown>): boolean;
  /** Turns prefix reuse off for this request; false when the server fixes it at start-up. */
  prefixCacheOff(body: Record<string, unknown>): boolean;
  /** The figures from the call's last usage and timings objects. */
  figures(usage: WireUsage | null, timings: WireTimings | null): DialectFigures;
  /** The readiness route: under the server's root, or under /v1. */
  readonly health: { under: 'root' | 'v1'; route: string };
  /** Routes (under the root) whose answers describe the server; stored with the sweep. */
  readonly provenanceRoutes: readonly string[];
  /** Reads an error body: is it the server saying the prompt is over its context? */
  contextExceeded(status: number, body: unknown): ContextExceeded | null;
  /**
   * The context size in tokens from the provenance routes' answers (route -> parsed body), with
   * the field it came from; null when none of them says. Absent: the dialect has no such route.
   */
  contextSize?(answers: Readonly<Record<string, unknown>>): { tokens: number; field: string } | null;
  /** Reads a mid-stream `error` object: is it the server's parser refusing the model's output? */
  outputRejected(error: Record<string, unknown>): boolean;
}

export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The `error` object of an OpenAI-style error body, or null. */
export function errorObject(body: unknown): Record<string, unknown> | null {
  if (typeof body !== 'object' || body === null) return null;
  const e = (body as { error?: unknown }).error;
  return typeof e === 'object' && e !== null ? (e as Record<string, unknown>) : null;
}

/** The usage figures every OpenAI-compatible server reports the same way. */
export function usageFigures(u: WireUsage | null): Pick<DialectFigures, 'promptTokens' | 'completionTokens' | 'reasoningTokens'> & { cachedTokens: number | null } {
  return {
    promptTokens: num(u?.prompt_tokens),
    completionTokens: num(u?.completion_tokens),
    reasoningTokens: num(u?.completion_tokens_details?.reasoning_tokens),
    cachedTokens: num(u?.prompt_tokens_details?.cached_tokens),
  };
}
