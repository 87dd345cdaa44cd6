// The engines pairbench can run trials on, keyed by kind. Adding one is a module under
// engines/<kind>/ and one entry here; each is imported only when a sweep asks for it.

import type { Engine } from '../core/engine.js';
import { ERROR_CODES, PairbenchError } from '../core/errors.js';

/** Each kind's connector, given an address (unix://, tcp://, ssh://) or null for its default. */
const ENGINES = {
  docker: async (address: string | null): Promise<Engine> => (await import('./docker/engine.js')).connectDocker(address),
  podman: async (address: string | null): Promise<Engine> => (await import('./podman/engine.js')).connectPodman(address),
} satisfies Record<string, (address: string | null) => Promise<Engine>>;

export type EngineKind = keyof typeof ENGINES;
export const ENGINE_KINDS = Object.keys(ENGINES) as EngineKind[];
export const DEFAULT_ENGINE: EngineKind = 'docker';

export interface EngineRef {
  kind: EngineKind;
  address: string | null;
}

const ADDRESS = /^(unix|tcp|https?|ssh):\/\//;

/**
 * `docker`, `podman`, an address (an engine speaking Docker's API: unix:///run/x.sock,
 * tcp://host:2375, ssh://user@host), or `kind=address` for another kind at an address.
 * Returns the problem as a string, so callers can report it with the rest.
 */
export function parseEngineRef(text: string): EngineRef | string {
  const eq = text.indexOf('=');
  const [kind, address] = eq < 0 ? (ADDRESS.test(text) ? [DEFAULT_ENGINE, text] : [text, null]) : [text.slice(0, eq), text.slice(eq + 1)];
  if (!(ENGINE_KINDS as string[]).includes(kind)) {
    return `unknown engine ${JSON.stringify(text)}: use one of ${ENGINE_KINDS.join(', ')}, an address (unix://, tcp://, ssh://), or kind=address`;
  }
  if (address !== null && !ADDRESS.test(address)) return `engine address ${JSON.stringify(address)} is not unix://, tcp://, https:// or ssh://`;
  return { kind: kind as EngineKind, address };
}

/** The canonical text of a ref, as stored and shown. */
export function engineRefText(ref: EngineRef): string {
  return ref.address === null ? ref.kind : `${ref.kind}=${ref.address}`;
}

/** Connects to an engine by ref (default: the local Docker engine); a bad ref is CONFIG_INVALID. */
export async function connectEngine(ref: string | EngineRef = DEFAULT_ENGINE): Promise<Engine> {
  const parsed = typeof ref === 'string' ? parseEngineRef(ref) : ref;
  if (typeof parsed === 'string') throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, parsed);
  return ENGINES[parsed.kind](parsed.address);
}
