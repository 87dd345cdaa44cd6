// A sweep's settings, from three layers: defaults < sweep file < command-line flags. Each
// layer is parsed on its own (so a problem names where it came from), then merged and
// checked as a whole; every problem is reported at once.

import type { SelinuxMode } from '../../core/trial.js';
import type { GroupBy, Order, RestartEvery } from './plan.js';
import { SETTING_ENTRIES, SWEEP_SETTINGS, type SettingDecl, type SettingName, type SWEEP_NETWORKS } from '../../core/sweep-settings.js';

export { SWEEP_NETWORKS } from '../../core/sweep-settings.js';
/** What `--network` takes: the tasks' own rule, or none for every container. */
export type SweepNetwork = (typeof SWEEP_NETWORKS)[number];

export interface ServingSettings {
  /** 'simulated', a path to a serving.toml, or null (remote endpoint from base_url/model, or none). */
  source: string | null;
  baseUrl: string | null;
  model: string | null;
  dialect: string | null;
  /** The NAME of the environment variable holding the key; a key itself is never accepted. */
  apiKeyEnv: string | null;
}

/** One engine of the sweep's pool: trials spread over every engine listed. */
export interface EngineSetting {
  /** As engines/registry.ts parses it: docker, podman, an address, or kind=address. */
  ref: string;
  /** Trials at once on this engine; null: the sweep's concurrency. */
  concurrency: number | null;
}

export interface SweepSettings {
  harnesses: string[];
  tasks: string[] | 'all';
  trials: number;
  tasksDir: string;
  /** Where installed agents are found (agents/<name>/agent.toml); later directories win. */
  agentsDirs: string[];
  runsDir: string;
  order: Order;
  seed: number | null;
  groupBy: GroupBy;
  restartEvery: RestartEvery;
  canaryEvery: number | null;
  canaryFactor: number | null;
  concurrency: number;
  retries: number;
  graceSec: number;
  timeScale: number | null;
  selinux: SelinuxMode;
  maxTurns: number | null;
  /** Absent from sweeps stored before engine pools: the local Docker engine. */
  engines?: EngineSetting[];
  /**
   * 'none' (`--network none`): every container of every trial runs offline, whatever its task
   * allows. 'task': each task's own network rule. Absent from sweeps stored before it: 'task'.
   */
  network?: SweepNetwork;
  serving: ServingSettings;
}

/** One layer: any field may be absent. */
export type SettingsLayer = Partial<Omit<SweepSettings, 'serving'>> & { serving?: Partial<ServingSettings> };

// Every field of SweepSettings has one declaration in core/sweep-settings.ts, and every
// declaration is a field: the compiler checks both ways here.
type SettingKey = Exclude<keyof SweepSettings, 'serving'> | keyof ServingSettings;
const EVERY_FIELD_DECLARED: Record<SettingKey, SettingDecl> = SWEEP_SETTINGS;
const NOTHING_ELSE_DECLARED: Record<SettingName, unknown> = {} as Record<SettingKey, unknown>;
void EVERY_FIELD_DECLARED;
void NOTHING_ELSE_DECLARED;

function defaultsFromTable(): Omit<SweepSettings, 'harnesses' | 'tasks' | 'trials'> {
  const top: Record<string, unknown> = {};
  const serving: Record<string, unknown> = {};
  for (const [name, decl] of SETTING_ENTRIES) {
    if (decl.default === undefined) continue; // a sweep must give it
    (decl.serving ? serving : top)[name] = structuredClone(decl.default);
  }
  return { ...top, serving } as unknown as Omit<SweepSettings, 'harnesses' | 'tasks' | 'trials'>;
}

export const DEFAULT_SETTINGS = defaultsFromTable();

/** Merges layers left to right (later wins) over the defaults; lists what is still missing. */
export function mergeSettings(...layers: SettingsLayer[]): { settings: SweepSettings; problems: string[] } {
  const merged: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  let serving: ServingSettings = { ...DEFAULT_SETTINGS.serving };
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      if (k === 'serving') serving = { ...serving, ...dropUndefined(v as Partial<ServingSettings>) };
      else merged[k] = v;
    }
  }
  const problems: string[] = [];
  if (merged.harnesses === undefined) problems.push('harnesses: none given; pass --harness <name...> or set `harnesses` in the sweep file');
  if (merged.tasks === undefined) problems.push('tasks: none given; pass --task <name...>|all or set `tasks` in the sweep file');
  if (merged.trials === undefined) problems.push('trials: not given; pass --trials N or set `trials` in the sweep file');
  const settings = { harnesses: [], tasks: [], trials: 1, ...merged, serving } as unknown as SweepSettings;
  if (settings.canaryFactor !== null && settings.canaryEvery === null) {
    problems.push('canary_factor: set canary_every too (--canary-every N), or the factor is never used');
  }
  const s = settings.serving;
  if (s.source !== null && s.baseUrl !== null) {
    problems.push('serving: give either --serving (simulated or a serving.toml) or --base-url for a remote endpoint, not both');
  }
  if (s.baseUrl !== null && s.model === null) problems.push('serving: --base-url needs --model');
  return { settings, problems };
}

/** The sweep's engines, each with its own concurrency (the sweep's where it names none). */
export function enginePool(settings: Pick<SweepSettings, 'engines' | 'concurrency'>): { ref: string; concurrency: number }[] {
  const listed = settings.engines && settings.engines.length > 0 ? settings.engines : [{ ref: 'docker', concurrency: null }];
  return listed.map((e) => ({ ref: e.ref, concurrency: e.concurrency ?? settings.concurrency }));
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
