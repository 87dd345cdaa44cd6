// Everything a sweep needs before its first trial, checked all at once: harness variants,
// tasks, the serving layer, and the plan. Bad input is one ValidationError naming every
// problem and its fix; broken tasks are set aside by name, not fatal.

import { randomInt } from 'node:crypto';
import { resolve } from 'node:path';
import { ERROR_CODES, ValidationError, errorMessage } from '../../core/errors.js';
import { buildPlan, type RestartEvery, type SweepPlan } from '../plan/plan.js';
import type { SweepSettings } from '../plan/settings.js';
import { loadTasks, unfinishedWarning, type BrokenTask } from '../task/load.js';
import { taskContentHash } from '../task/content-hash.js';
import type { LoadedTask } from '../../core/task.js';
import { parseHarnessVariant } from '../../harnesses/variants.js';
import { createHarness } from '../../harnesses/registry.js';
import { loadAgents } from '../../harnesses/installed/definition.js';
import type { AgentDefinition } from '../../core/agent.js';
import { profileOf, withoutProfile, type ServingConfig } from '../../serving/control/config.js';
import type { StoredServing } from '../../core/sweep-serving.js';
import type { SweepHarness } from './execute.js';
import { sanitizeIdPart } from './ids.js';
import { restartEveryFor, servingConfigFor } from './serving-setup.js';
import { dialectModule } from '../../serving/dialects/registry.js';
import type { CheckQuestion, ServingCheck } from '../../serving/check/findings.js';

export interface PreparedSweep {
  settings: SweepSettings;
  plan: SweepPlan;
  tasks: Map<string, LoadedTask>;
  broken: BrokenTask[];
  harnesses: Map<string, SweepHarness>;
  servingConfig: ServingConfig | null;
  /** Said once when the sweep starts: unfinished tasks left out, Harbor fields not honoured. */
  taskWarnings?: string[];
}

/** The load warnings a sweep prints: tasks left out as unfinished, then each task's unhonoured fields. */
export function taskWarningsFor(tasks: Iterable<LoadedTask>, unfinished: readonly LoadedTask[]): string[] {
  const out = unfinished.map(unfinishedWarning);
  for (const t of tasks) for (const w of t.warnings) out.push(`task ${t.name}: ${w}`);
  return out;
}

/** What `pairbench run` stores as sweeps.config_json: the request, resolved, and never a secret. */
export interface StoredConfig {
  settings: SweepSettings;
  brokenTasks: { name: string; problems: string[] }[];
  /** The serving layer as the sweep started it; absent when none was started, or before this was stored. */
  serving?: StoredServing;
}

/** The installed agents under the sweep's agent directories; a broken one named by a variant is a problem. */
export function agentsFor(dirs: readonly string[], names: readonly string[], problems: string[]): Map<string, AgentDefinition> {
  const { agents, broken } = loadAgents(dirs);
  for (const b of broken) {
    if (names.some((n) => n === b.name || n.startsWith(`${b.name}+`) || n.startsWith(`${b.name}-`))) {
      problems.push(...b.problems.map((p) => `agent ${b.name} (${b.dir}): ${p}`));
    }
  }
  return agents;
}

export function harnessesFor(
  names: readonly string[],
  maxTurns: number | null,
  problems: string[],
  agents: ReadonlyMap<string, AgentDefinition> = new Map(),
): Map<string, SweepHarness> {
  const out = new Map<string, SweepHarness>();
  const ids = new Map<string, string>();
  for (const name of names) {
    try {
      // `terse@np2` is the variant terse on the serving profile np2 (checked against the serving file apart).
      const spec = parseHarnessVariant(withoutProfile(name), maxTurns === null ? undefined : { maxTurns }, [], agents);
      out.set(name, { spec, needsModel: createHarness(spec).needsModel });
    } catch (e) {
      if (e instanceof ValidationError) problems.push(...e.problems.map((p) => `harness ${name}: ${p}`));
      else problems.push(`harness ${name}: ${errorMessage(e)}`);
    }
    const id = sanitizeIdPart(name);
    const clash = ids.get(id);
    if (clash !== undefined && clash !== name) problems.push(`harnesses ${clash} and ${name}: both become "${id}" in trial ids and container names; keep one`);
    ids.set(id, name);
  }
  return out;
}

export async function tasksFor(
  tasksDir: string,
  names: string[] | 'all',
  problems: string[],
): Promise<{ tasks: Map<string, LoadedTask>; broken: BrokenTask[]; unfinished: LoadedTask[] }> {
  try {
    const loaded = await loadTasks(tasksDir, names);
    return { tasks: new Map(loaded.tasks.map((t) => [t.name, t])), broken: loaded.broken, unfinished: loaded.unfinished };
  } catch (e) {
    if (e instanceof ValidationError) problems.push(...e.problems.map((p) => `tasks: ${p}`));
    else problems.push(`tasks: ${errorMessage(e)}`);
    return { tasks: new Map(), broken: [], unfinished: [] };
  }
}

/**
 * Variants that ask per request for a lever the server does not apply: one the dialect takes
 * only at start-up, or one the last `pairbench serving check` of this server found ignored.
 * Said before the sweep, so nobody reads a difference into a lever the server never applied.
 */
export function serverLeverWarnings(harnesses: ReadonlyMap<string, SweepHarness>, config: ServingConfig | null, check: ServingCheck | null = null): string[] {
  if (!config || config.management.type === 'simulated') return [];
  const { dialect } = config.endpoint;
  const needy = [...harnesses.entries()].filter(([, h]) => h.needsModel);
  const asking = (pick: (h: SweepHarness) => boolean): string[] => needy.filter(([, h]) => pick(h)).map(([name]) => name);
  const ask = (names: string[]): string => `${names.join(', ')} ask${names.length === 1 ? 's' : ''}`;
  // What the check saw, as a clause: "the serving check of URL (at T) found ...: evidence".
  const found = (q: CheckQuestion): string | null => {
    const f = check?.findings[q];
    if (!check || f?.verdict !== 'no') return null;
    return `the serving check of ${check.target.baseUrl} (${check.checkedAt}) found it not honoured (${f.field ?? 'no field'}: ${f.detail})`;
  };
  const out: string[] = [];

  const spec = asking((h) => h.spec.levers?.speculative === true);
  const specFound = found('speculative');
  if (spec.length > 0 && dialectModule(dialect).levers.speculative === 'server') {
    out.push(
      `${ask(spec)} for speculative decoding per request, which ${dialect} applies only with a draft model at start-up: ` +
        'compare it with serving profiles (docs/serving.example.toml); each turn records whether drafting ran (turns.speculative_applied)' +
        (specFound ? `; ${specFound}` : ''),
    );
  } else if (spec.length > 0 && specFound) out.push(`${ask(spec)} for speculative decoding per request; ${specFound}`);

  const more: [CheckQuestion, string[], string][] = [
    ['thinking', asking((h) => h.spec.levers !== null || (h.spec.proxyLevers?.thinking ?? null) !== null), 'the thinking switch on every request'],
    ['cacheOff', asking((h) => h.spec.proxyLevers?.prefixCache === false), 'the prefix cache off per request (cache_prompt: false)'],
    ['outputCap', asking((h) => h.spec.levers !== null || (h.spec.proxyLevers?.maxOutputTokens ?? null) !== null), 'an output-token cap per request'],
  ];
  for (const [q, names, lever] of more) {
    const clause = found(q);
    if (names.length > 0 && clause) out.push(`${ask(names)} for ${lever}; ${clause}`);
  }
  return out;
}

export function servingProblems(harnesses: ReadonlyMap<string, SweepHarness>, config: ServingConfig | null): string[] {
  const problems: string[] = [];
  for (const [name, h] of harnesses) {
    const profile = profileOf(name);
    if (profile === null) continue;
    const known = Object.keys(config?.profiles ?? {});
    if (!h.needsModel) problems.push(`harness ${name}: ${withoutProfile(name)} needs no model, so a serving profile means nothing to it`);
    else if (!known.includes(profile)) {
      problems.push(
        `harness ${name}: no serving profile "${profile}" ` +
          (known.length > 0 ? `(the serving file has ${known.join(', ')})` : '(define it in the serving file: [profiles.' + profile + '] args = [...], docs/serving.example.toml)'),
      );
    }
  }
  const needy = [...harnesses.values()].filter((h) => h.needsModel).map((h) => h.spec.name);
  if (needy.length === 0 || config !== null) return problems;
  return [
    ...problems,
    `serving: ${needy.join(', ')} need${needy.length === 1 ? 's' : ''} a model; add --serving simulated, --serving <serving.toml>, ` +
      'or --base-url <url> --model <name> (oracle and nop need none)',
  ];
}

/**
 * Checks a new sweep's settings and plans it. `settingsProblems` (from the flag and file layers)
 * are reported together with everything found here.
 */
export async function prepareNewSweep(
  input: SweepSettings,
  explicitRestartEvery: RestartEvery | undefined,
  settingsProblems: string[],
): Promise<PreparedSweep> {
  const problems = [...settingsProblems];
  const given: SweepSettings = {
    ...input,
    tasksDir: resolve(input.tasksDir),
    agentsDirs: (input.agentsDirs ?? ['./agents']).map((d) => resolve(d)),
    runsDir: resolve(input.runsDir),
  };
  const agents = agentsFor(given.agentsDirs, given.harnesses, problems);
  const harnesses = harnessesFor(given.harnesses, given.maxTurns, problems, agents);
  const { tasks, broken, unfinished } = await tasksFor(given.tasksDir, given.tasks, problems);
  const serving = await servingConfigFor(given);
  problems.push(...serving.problems, ...servingProblems(harnesses, serving.config));
  if (problems.length === 0 && tasks.size === 0) {
    const left = [...broken.map((b) => `${b.name} (broken)`), ...unfinished.map((t) => `${t.name} (unfinished)`)];
    problems.push(`tasks: no task asked for can run (${left.join(', ')}); run \`pairbench tasks check\` to see why`);
  }
  if (problems.length > 0) throw new ValidationError(ERROR_CODES.CONFIG_INVALID, 'cannot start the sweep', problems);

  const settings: SweepSettings = {
    ...given,
    restartEvery: restartEveryFor(explicitRestartEvery, serving.config),
    // A shuffled order always has a recorded seed, so the same plan can be rebuilt.
    seed: given.order === 'shuffle' && given.seed === null ? randomInt(2 ** 31) : given.seed,
  };
  const plan = buildPlan({
    harnesses: settings.harnesses,
    tasks: [...tasks.keys()],
    trials: settings.trials,
    order: settings.order,
    seed: settings.seed,
    groupBy: settings.groupBy,
    restartEvery: settings.restartEvery,
  });
  plan.taskHashes = await taskHashes(tasks);
  return { settings, plan, tasks, broken, harnesses, servingConfig: serving.config, taskWarnings: taskWarningsFor(tasks.values(), unfinished) };
}

export async function taskHashes(tasks: ReadonlyMap<string, LoadedTask>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, task] of tasks) out[name] = await taskContentHash(task.dir);
  return out;
}

/** The tasks whose content differs from what the plan recorded (none for a plan from before hashes). */
export async function changedTasks(plan: SweepPlan, tasks: ReadonlyMap<string, LoadedTask>): Promise<string[]> {
  if (!plan.taskHashes) return [];
  const now = await taskHashes(tasks);
  return Object.keys(now).filter((name) => plan.taskHashes![name] !== undefined && plan.taskHashes![name] !== now[name]).sort();
}
