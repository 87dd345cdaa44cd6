// The engine round trips a piece of work makes, counted where every Docker-API client in this
// process sends its requests (the shared HTTP layer of dockerode's modem): the overhead
// benchmark lists them per phase of an oracle trial, and a test holds the count of execs.

import type { DockerApiEngine } from './engine.js';

/** What every Docker-API client in this process asks of its engine, while recording. */
export interface EngineCallLog {
  /** The calls since the last take, as `METHOD /path` with ids and queries left out, and empties the log. */
  take(): string[];
  /** The same, each with its milliseconds from request to answer (a stream's: to its opening). */
  takeTimed(): TimedCall[];
  stop(): void;
}

export interface TimedCall {
  call: string;
  /** When it was sent (performance.now()). */
  at: number;
  ms: number;
}

/**
 * Records every engine API call made through any dockerode client in this process (the
 * runner's own connection included: the hook sits on the shared HTTP layer), so a benchmark
 * can count the round trips one trial makes. One HTTP request is one round trip; an exec's
 * attached stream is one too.
 */
export function recordEngineCalls(engine: DockerApiEngine): EngineCallLog {
  type Callback = (...args: unknown[]) => unknown;
  const proto = Object.getPrototypeOf(engine.api.modem) as { dial: (options: { method?: string; path?: string }, cb: Callback) => unknown };
  const original = proto.dial;
  let calls: TimedCall[] = [];
  proto.dial = function (this: unknown, options, cb) {
    const where = (options.path ?? '')
      .split('?')[0]!
      .replace(/^\/v[\d.]+/, '')
      .replace(/^\/images\/.+\/json$/, '/images/{ref}/json')
      .replace(/^\/(containers|exec|networks)\/(?!create$|json$)[^/]+/, '/$1/{id}');
    const entry = { call: `${options.method ?? 'GET'} ${where}`, at: performance.now(), ms: NaN };
    calls.push(entry);
    return original.call(this, options, (...args: unknown[]) => {
      entry.ms = performance.now() - entry.at;
      return cb(...args);
    });
  };
  const takeTimed = (): TimedCall[] => {
    const out = calls;
    calls = [];
    return out;
  };
  return {
    take: () => takeTimed().map((c) => c.call),
    takeTimed,
    stop: () => {
      proto.dial = original;
    },
  };
}
