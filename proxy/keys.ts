// Per-trial keys: each trial's agent gets its own, the proxy records a call only into the
// trial whose key it carries, and a key dies with its trial.

import { randomBytes } from 'node:crypto';

export const KEY_PREFIX = 'pbk-';

export function newTrialKey(): string {
  return `${KEY_PREFIX}${randomBytes(24).toString('hex')}`;
}

/** The key a request carries: `Authorization: Bearer <key>`, `x-api-key`, or a `/k/<key>/` path prefix. */
export function keyOf(headers: Record<string, string | string[] | undefined>, path: string): { key: string | null; path: string } {
  const m = /^\/k\/([^/]+)(\/.*)$/.exec(path);
  if (m) return { key: decodeURIComponent(m[1]!), path: m[2]! };
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const bearer = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (bearer) return { key: bearer[1]!.trim(), path };
  }
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') return { key: apiKey, path };
  return { key: null, path };
}

export class KeyRing<T> {
  private readonly byKey = new Map<string, T>();

  issue(value: T): string {
    const key = newTrialKey();
    this.byKey.set(key, value);
    return key;
  }

  revoke(key: string): void {
    this.byKey.delete(key);
  }

  /** The trial a key belongs to. Keys carry 192 random bits, so guessing one is not a concern. */
  find(key: string | null): T | null {
    if (key === null) return null;
    return this.byKey.get(key) ?? null;
  }
}
