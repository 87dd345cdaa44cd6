// Harbor's environment semantics around one trial container: the network each phase gets,
// the logs made writable for a non-root agent or verifier, the healthcheck waited on before
// the agent starts, and the user and env each phase's commands run with. Harbor's sources:
// environments/base.py (run_healthcheck, _merge_env, default_user), environments/docker
// (chmod 777 of the log dirs), trial/network_policy.py (the per-phase rule).

import type { ExecOptions, ExecResult, TrialContainer } from '../core/container.js';
import { resolveEnv } from '../core/env-templates.js';
import { ERROR_CODES, PairbenchError } from '../core/errors.js';
import type { LoadedTask, NetworkMode } from '../core/task.js';

export type EnvPhase = 'setup' | 'agent' | 'verify';

/** Each phase's network: the task's, unless the sweep forces every container offline. */
export function phaseNetworks(task: LoadedTask, forceOffline: boolean): Record<EnvPhase, NetworkMode> {
  if (forceOffline) return { setup: 'no-network', agent: 'no-network', verify: 'no-network' };
  const c = task.config;
  return { setup: c.environment.network, agent: c.agent.network, verify: c.verifier.network };
}

/** The network a container starts on: online only when some phase may use it. */
export function startingNetwork(networks: Record<EnvPhase, NetworkMode>): NetworkMode {
  return Object.values(networks).includes('public') ? 'public' : 'no-network';
}

interface PhaseDefaults {
  user: string | null;
  env: Record<string, string>;
}

/**
 * The container as one phase sees it: every command runs as the phase's user (Harbor's
 * default_user) with [environment] env and the phase's own env merged under the command's.
 * The resolved values live only in this object, for the phase's length.
 */
export function forPhase(container: TrialContainer, defaults: PhaseDefaults): TrialContainer {
  const merge = <T extends ExecOptions>(options: T | undefined): T => {
    const o = (options ?? {}) as T;
    return {
      ...o,
      ...(o.user === undefined && defaults.user !== null ? { user: defaults.user } : {}),
      env: { ...defaults.env, ...(o.env ?? {}) },
    };
  };
  return new Proxy(container, {
    get(target, prop, receiver) {
      if (prop === 'exec') return (command: string | string[], options?: ExecOptions): Promise<ExecResult> => target.exec(command, merge(options));
      if (prop === 'execWithDirectory') {
        return (hostDir: string, dir: string, command: string, options?: Omit<ExecOptions, 'stdin'>): Promise<ExecResult> =>
          target.execWithDirectory(hostDir, dir, command, merge(options));
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The agent's (and oracle's) view: [agent] user, [environment] env, and [solution] env for the oracle. */
export function agentView(container: TrialContainer, task: LoadedTask, oracle: boolean): TrialContainer {
  const c = task.config;
  const env = { ...resolveEnv(c.environment.env), ...(oracle ? resolveEnv(c.solution.env) : {}) };
  return forPhase(container, { user: c.agent.user, env });
}

/** The verifier's view: [verifier] user and [environment] env with [verifier] env over it. */
export function verifierView(container: TrialContainer, task: LoadedTask): TrialContainer {
  const c = task.config;
  return forPhase(container, { user: c.verifier.user, env: { ...resolveEnv(c.environment.env), ...resolveEnv(c.verifier.env) } });
}

/**
 * The user each log directory must belong to so a task's named [agent] or [verifier] user can
 * write it. Harbor opens /logs with chmod 777; here those are host directories, so each is
 * handed to its phase's user instead and stays closed to everyone else. Null where the phase
 * names no user (the directory goes to whoever execs run as).
 */
export function logDirUsers(task: LoadedTask): Record<'logs/agent' | 'logs/verifier', string | null> {
  return { 'logs/agent': task.config.agent.user, 'logs/verifier': task.config.verifier.user };
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });

/** A healthcheck as run: a bash command (the task's) or an argv (a compose service's). */
export interface HealthProbe {
  command: string | string[];
  intervalSec: number;
  timeoutSec: number;
  startPeriodSec: number;
  startIntervalSec: number;
  retries: number;
}

/**
 * Harbor's run_healthcheck: during start_period_sec failures do not count; after it, the check
 * fails at `retries` consecutive failures. A failing check is the environment's failure
 * (ENVIRONMENT_UNHEALTHY, outcome container_failed); `what` opens its message.
 */
export async function waitUntilHealthy(container: TrialContainer, hc: HealthProbe, what: string, env: Record<string, string>, signal?: AbortSignal): Promise<void> {
  const startEnd = performance.now() + hc.startPeriodSec * 1000;
  let failures = 0;
  let last: ExecResult | null = null;
  while (!signal?.aborted) {
    const inStart = performance.now() < startEnd;
    last = await container.exec(hc.command, { timeoutMs: hc.timeoutSec * 1000, env, maxOutputBytes: 4096 });
    if (last.exitCode === 0) return;
    if (!inStart && ++failures >= hc.retries) break;
    await sleep((inStart ? hc.startIntervalSec : hc.intervalSec) * 1000, signal);
  }
  if (signal?.aborted) return;
  const why = last?.timedOut ? `timed out after ${hc.timeoutSec} s` : `exit code ${last?.exitCode ?? 'none'}`;
  const command = typeof hc.command === 'string' ? hc.command : hc.command.join(' ');
  throw new PairbenchError(
    ERROR_CODES.ENVIRONMENT_UNHEALTHY,
    `${what} command failed ${hc.retries} times in a row (${why}): ${command}`,
    { outcome: 'container_failed' },
  );
}

/** The task's [environment.healthcheck], waited on before the agent starts. */
export async function waitHealthy(container: TrialContainer, task: LoadedTask, signal?: AbortSignal): Promise<void> {
  const hc = task.config.environment.healthcheck;
  if (hc === null) return;
  const env = resolveEnv(task.config.environment.env);
  await waitUntilHealthy(container, hc, 'the environment never became healthy: [environment.healthcheck]', env, signal);
}
