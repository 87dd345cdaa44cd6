// Every setting of a sweep, declared once: its `pairbench run` flag, its sweep-file key, what
// it takes, its default and its help line. The flag parser and the sweep-file schema
// (runner/plan/) and the run command's options and help (cli/) all derive from this table. It
// is plain data on the ground floor because `pairbench run --help` must read it without
// loading zod or the runner.

import { BASES_HELP } from './harness-bases.js';
import { DIALECTS } from './serving.js';
import { SELINUX_MODES } from './trial.js';

export const ORDERS = ['alternate', 'shuffle'] as const;
/** What `--network` takes: the tasks' own rule, or none for every container. */
export const SWEEP_NETWORKS = ['task', 'none'] as const;
/** The canary's factor when a sweep sets canary_every but no factor. */
export const DEFAULT_CANARY_FACTOR = 1.5;

/** What a setting takes; the flag parser and the sweep-file schema each read one of these. */
export type SettingValue =
  /** A whole number >= min. */
  | { kind: 'whole'; min: number }
  /** A number > above, or >= min; `want` says which in messages. */
  | { kind: 'number'; min?: number; above?: number; want: string }
  /** One of the words; `fileMessage` replaces the sweep file's generic refusal. */
  | { kind: 'choice'; choices: readonly string[]; fileMessage?: string }
  /** One of the words, or a whole number of `unit` >= 1. */
  | { kind: 'choice-or-whole'; choices: readonly string[]; unit: string }
  /** Non-empty text taken as it is. */
  | { kind: 'text' }
  /** A path; in a sweep file, relative to the file. */
  | { kind: 'path' }
  /** Directories looked in besides the default ones (later win); in a file, relative to it. */
  | { kind: 'more-dirs' }
  /** A non-empty list of names. */
  | { kind: 'names' }
  /** "all", or a non-empty list of task names. */
  | { kind: 'tasks' }
  /** An http(s) URL. */
  | { kind: 'url' }
  /** The NAME of an environment variable (never a key itself). */
  | { kind: 'env-name' }
  /** Engine references, each once; in a file also { engine, concurrency }. */
  | { kind: 'engines' }
  /** "simulated", or a serving.toml path (relative to a sweep file). */
  | { kind: 'serving-source' };

export interface SettingDecl {
  /** The long flag of `pairbench run`, without its dashes. */
  flag: string;
  /** The flag's argument as commander reads it; `...` takes a list. */
  arg: string;
  /** The key in a sweep file: at the top, or under [serving] for a serving setting. */
  file: string;
  /** Under [serving] in a sweep file, and in SweepSettings.serving. */
  serving?: true;
  value: SettingValue;
  /** The value when no layer sets it; absent for a setting a sweep must give. */
  default?: unknown;
  help: string;
  /** What help says of the default; false: nothing (the help line says it already). */
  helpDefault?: string | false;
  /** Applies to a resumed sweep too; every other setting is the plan's, kept as it started. */
  onResume?: true;
}

const orList = (xs: readonly string[]): string => `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;

/** In the order `pairbench run --help` lists them. */
export const SWEEP_SETTINGS = {
  harnesses: {
    flag: 'harness',
    arg: '<variants...>',
    file: 'harnesses',
    value: { kind: 'names' },
    help: `harness variants to compare, each a base and switches (e.g. terse tmux, terse+think, oracle nop); bases: ${BASES_HELP}`,
  },
  tasks: { flag: 'task', arg: '<names...>', file: 'tasks', value: { kind: 'tasks' }, help: 'task names, or all' },
  trials: { flag: 'trials', arg: '<n>', file: 'trials', value: { kind: 'whole', min: 1 }, help: 'trials per task for each harness' },
  tasksDir: {
    flag: 'tasks-dir',
    arg: '<dir>',
    file: 'tasks_dir',
    value: { kind: 'path' },
    default: './tasks',
    help: 'directory holding the task directories',
  },
  agentsDirs: {
    flag: 'agents-dir',
    arg: '<dirs...>',
    file: 'agents_dirs',
    value: { kind: 'more-dirs' },
    default: ['./agents'],
    help: 'more directories holding installed agents (agents/<name>/agent.toml), besides ./agents',
    helpDefault: false,
  },
  runsDir: {
    flag: 'runs-dir',
    arg: '<dir>',
    file: 'runs_dir',
    value: { kind: 'path' },
    default: '.pairbench/runs',
    help: 'where trial directories go',
  },
  order: {
    flag: 'order',
    arg: '<order>',
    file: 'order',
    value: { kind: 'choice', choices: ORDERS },
    default: 'alternate',
    help: 'alternate (A B, then B A) or shuffle (seeded)',
  },
  seed: {
    flag: 'seed',
    arg: '<n>',
    file: 'seed',
    value: { kind: 'whole', min: 0 },
    default: null,
    help: 'seed for --order shuffle (drawn and recorded when absent)',
  },
  groupBy: {
    flag: 'group-by',
    arg: '<g>',
    file: 'group_by',
    value: { kind: 'choice-or-whole', choices: ['slot', 'task'], unit: 'slots' },
    default: 'slot',
    help: 'slot, task, or a number of slots per group',
  },
  restartEvery: {
    flag: 'restart-every',
    arg: '<r>',
    file: 'restart_every',
    value: { kind: 'choice-or-whole', choices: ['group', 'never'], unit: 'trials' },
    default: 'never',
    help: 'restart the serving layer at group boundaries: group, never, or after N trials',
    helpDefault: "the serving file's policy, else never",
  },
  canaryEvery: {
    flag: 'canary-every',
    arg: '<n>',
    file: 'canary_every',
    value: { kind: 'whole', min: 0 },
    default: null,
    help: 'run a canary request every N trials',
  },
  canaryFactor: {
    flag: 'canary-factor',
    arg: '<k>',
    file: 'canary_factor',
    value: { kind: 'number', above: 1, want: 'a number > 1' },
    default: null,
    help: 'restart early when the canary is K times slower than after the last restart',
    helpDefault: String(DEFAULT_CANARY_FACTOR),
  },
  concurrency: {
    flag: 'concurrency',
    arg: '<n>',
    file: 'concurrency',
    value: { kind: 'whole', min: 1 },
    default: 1,
    help: 'trials in parallel',
    helpDefault: '1: parallel trials disturb timings',
    onResume: true,
  },
  retries: {
    flag: 'retries',
    arg: '<n>',
    file: 'retries',
    value: { kind: 'whole', min: 0 },
    default: 0,
    help: 're-run substrate errors up to N times (agent failures never); with --resume, a fresh budget: trials that ended on substrate errors run again',
    helpDefault: false,
    onResume: true,
  },
  graceSec: {
    flag: 'grace-sec',
    arg: '<s>',
    file: 'grace_sec',
    value: { kind: 'number', min: 0, want: 'a number of seconds >= 0' },
    default: 30,
    help: 'on Ctrl-C, seconds running trials get to finish before teardown',
    onResume: true,
  },
  source: {
    flag: 'serving',
    arg: '<source>',
    file: 'source',
    serving: true,
    value: { kind: 'serving-source' },
    default: null,
    help: 'simulated, or a serving.toml',
  },
  baseUrl: {
    flag: 'base-url',
    arg: '<url>',
    file: 'base_url',
    serving: true,
    value: { kind: 'url' },
    default: null,
    help: 'a model server already running (with --model)',
  },
  model: { flag: 'model', arg: '<name>', file: 'model', serving: true, value: { kind: 'text' }, default: null, help: 'model name for --base-url' },
  dialect: {
    flag: 'dialect',
    arg: '<dialect>',
    file: 'dialect',
    serving: true,
    value: { kind: 'choice', choices: DIALECTS },
    default: null,
    help: `server dialect for --base-url: ${orList(DIALECTS)}`,
  },
  apiKeyEnv: {
    flag: 'api-key-env',
    arg: '<var>',
    file: 'api_key_env',
    serving: true,
    value: { kind: 'env-name' },
    default: null,
    help: 'NAME of the environment variable holding the API key',
  },
  timeScale: {
    flag: 'time-scale',
    arg: '<s>',
    file: 'time_scale',
    value: { kind: 'number', min: 0, want: 'a number >= 0' },
    default: null,
    help: 'simulated server time scale (0 = no simulated latency)',
  },
  selinux: {
    flag: 'selinux',
    arg: '<mode>',
    file: 'selinux',
    value: { kind: 'choice', choices: SELINUX_MODES },
    default: 'auto',
    help: `relabel bind mounts: ${orList(SELINUX_MODES)}`,
  },
  maxTurns: { flag: 'max-turns', arg: '<n>', file: 'max_turns', value: { kind: 'whole', min: 1 }, default: null, help: 'turn limit for agent harnesses' },
  engines: {
    flag: 'engine',
    arg: '<engines...>',
    file: 'engines',
    value: { kind: 'engines' },
    default: [{ ref: 'docker', concurrency: null }],
    help: 'container engines to spread the trials over, each running --concurrency at once: docker (default), podman, an address (unix://, tcp://, ssh://) or kind=address',
    helpDefault: false,
  },
  network: {
    flag: 'network',
    arg: '<mode>',
    file: 'network',
    value: { kind: 'choice', choices: SWEEP_NETWORKS, fileMessage: 'must be "task" (each task\'s own rule) or "none" (every container offline)' },
    default: 'task',
    help: "none: every container of every trial runs offline, whatever its task allows (said in the report); task (default): each task's own network rule",
    helpDefault: false,
  },
} as const satisfies Record<string, SettingDecl>;

export type SettingName = keyof typeof SWEEP_SETTINGS;

/** Each setting with its name, in table order. */
export const SETTING_ENTRIES = Object.entries(SWEEP_SETTINGS) as [SettingName, SettingDecl][];

// `--api-key-env` reaches the action as `apiKeyEnv`, as commander names it.
type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

/** `pairbench run`'s setting flags as commander hands them over: strings, lists for `...`. */
export type RunFlags = {
  [K in SettingName as Camel<(typeof SWEEP_SETTINGS)[K]['flag']>]?: (typeof SWEEP_SETTINGS)[K]['arg'] extends `${string}...>` ? string[] : string;
};

/** The name commander gives a flag's value in the parsed options. */
export function flagAttribute(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** A setting's line in `pairbench run --help`. */
export function settingHelp(decl: SettingDecl): string {
  const shown = decl.helpDefault ?? (decl.default === undefined || decl.default === null ? false : String(decl.default));
  return shown === false ? decl.help : `${decl.help} (default ${shown})`;
}
