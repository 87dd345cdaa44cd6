// `pairbench run` flags as a settings layer. Commander hands over strings; each is parsed
// here so a bad value is reported with the flag's name, beside every other problem.

import type { SelinuxMode } from '../../core/trial.js';
import { ENV_NAME } from '../../serving/control/config.js';
import { DIALECTS } from '../../core/serving.js';
import type { GroupBy, RestartEvery } from './plan.js';
import { engineRefText, parseEngineRef } from '../../engines/registry.js';
import { SWEEP_NETWORKS, type EngineSetting, type SettingsLayer } from './settings.js';

export interface RunFlags {
  harness?: string[];
  task?: string[];
  trials?: string;
  tasksDir?: string;
  agentsDir?: string[];
  runsDir?: string;
  order?: string;
  seed?: string;
  groupBy?: string;
  restartEvery?: string;
  canaryEvery?: string;
  canaryFactor?: string;
  concurrency?: string;
  retries?: string;
  graceSec?: string;
  serving?: string;
  baseUrl?: string;
  model?: string;
  dialect?: string;
  apiKeyEnv?: string;
  timeScale?: string;
  selinux?: string;
  maxTurns?: string;
  engine?: string[];
  network?: string;
}

export function parseFlagLayer(flags: RunFlags): { layer: SettingsLayer; problems: string[] } {
  const problems: string[] = [];
  const whole = (flag: string, v: string | undefined, min: number): number | undefined => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v.trim()) || Number(v) < min) {
      problems.push(`--${flag}: must be a whole number >= ${min} (got "${v}")`);
      return undefined;
    }
    return Number(v);
  };
  const real = (flag: string, v: string | undefined, ok: (n: number) => boolean, want: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || !ok(n)) {
      problems.push(`--${flag}: must be ${want} (got "${v}")`);
      return undefined;
    }
    return n;
  };
  const oneOf = <T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T | undefined => {
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) {
      problems.push(`--${flag}: must be one of ${allowed.join(', ')} (got "${v}")`);
      return undefined;
    }
    return v as T;
  };

  let groupBy: GroupBy | undefined;
  if (flags.groupBy !== undefined) {
    groupBy = flags.groupBy === 'slot' || flags.groupBy === 'task' ? flags.groupBy : whole('group-by', flags.groupBy, 1);
  }
  let restartEvery: RestartEvery | undefined;
  if (flags.restartEvery !== undefined) {
    restartEvery =
      flags.restartEvery === 'group' || flags.restartEvery === 'never'
        ? flags.restartEvery
        : whole('restart-every', flags.restartEvery, 1);
  }
  let tasks: string[] | 'all' | undefined;
  if (flags.task !== undefined) {
    if (flags.task.includes('all')) {
      if (flags.task.length > 1) problems.push('--task: give either `all` or task names, not both');
      tasks = 'all';
    } else tasks = flags.task;
  }
  if (flags.apiKeyEnv !== undefined && !ENV_NAME.safeParse(flags.apiKeyEnv).success) {
    problems.push(`--api-key-env: takes the NAME of an environment variable holding the key, not the key itself`);
  }
  if (flags.baseUrl !== undefined && !/^https?:\/\/\S+$/.test(flags.baseUrl)) {
    problems.push(`--base-url: must be an http(s) URL such as http://127.0.0.1:8080 (got "${flags.baseUrl}")`);
  }

  let engines: EngineSetting[] | undefined;
  if (flags.engine !== undefined) {
    engines = [];
    for (const text of flags.engine) {
      const ref = parseEngineRef(text);
      if (typeof ref === 'string') problems.push(`--engine: ${ref}`);
      else engines.push({ ref: engineRefText(ref), concurrency: null });
    }
    const seen = new Set<string>();
    for (const e of engines) {
      if (seen.has(e.ref)) problems.push(`--engine: ${e.ref} is given twice`);
      seen.add(e.ref);
    }
  }

  const layer: SettingsLayer = {
    harnesses: flags.harness,
    tasks,
    trials: whole('trials', flags.trials, 1),
    tasksDir: flags.tasksDir,
    // ./agents is always looked in; --agents-dir adds to it.
    agentsDirs: flags.agentsDir === undefined ? undefined : ['./agents', ...flags.agentsDir],
    runsDir: flags.runsDir,
    order: oneOf('order', flags.order, ['alternate', 'shuffle'] as const),
    seed: whole('seed', flags.seed, 0),
    groupBy,
    restartEvery,
    canaryEvery: whole('canary-every', flags.canaryEvery, 0),
    canaryFactor: real('canary-factor', flags.canaryFactor, (n) => n > 1, 'a number > 1'),
    concurrency: whole('concurrency', flags.concurrency, 1),
    retries: whole('retries', flags.retries, 0),
    graceSec: real('grace-sec', flags.graceSec, (n) => n >= 0, 'a number of seconds >= 0'),
    timeScale: real('time-scale', flags.timeScale, (n) => n >= 0, 'a number >= 0'),
    selinux: oneOf<SelinuxMode>('selinux', flags.selinux, ['auto', 'on', 'off']),
    maxTurns: whole('max-turns', flags.maxTurns, 1),
    engines,
    network: oneOf('network', flags.network, SWEEP_NETWORKS),
    serving: {
      source: flags.serving,
      baseUrl: flags.baseUrl,
      model: flags.model,
      dialect: oneOf('dialect', flags.dialect, DIALECTS),
      apiKeyEnv: flags.apiKeyEnv,
    },
  };
  return { layer, problems };
}
