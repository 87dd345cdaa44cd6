// The serving config: how to reach the model server and how (if at all) pairbench manages it.
// It comes from a TOML file (docs/serving.example.toml), from flags for a remote endpoint, or
// is the simulated server. Every problem is reported at once, as `path: message`.

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { ERROR_CODES, ValidationError } from '../../core/errors.js';
import type { ServingEndpoint } from '../../core/serving.js';
import { DIALECTS, type Dialect } from '../../core/serving.js';
import { FAULT_KINDS, type FaultKind } from '../../simulator/faults.js';
import { takeInlineKey } from './inline-key.js';
import type { CanaryPolicy, RestartPolicy, ServingKind } from './types.js';


export interface SimulatedSettings {
  timeScale: number;
  tasksDir: string | null;
  loadTimeMs: number;
  seed: number | null;
  /** Added latency per request served since start (the cost model's slowdown); null: its default. */
  slowdownPerRequest: number | null;
  faults: Partial<Record<FaultKind, number>>;
}

export type Management =
  | { type: 'command'; command: string[]; cwd: string | null }
  | { type: 'restart_command'; command: string }
  | { type: 'container'; container: string }
  | { type: 'none' }
  | { type: 'simulated'; simulated: SimulatedSettings };

export interface ServingConfig {
  /** For 'simulated' the base URL is filled in when the server gets its port. */
  endpoint: Omit<ServingEndpoint, 'simulated' | 'baseUrl'> & { baseUrl: string | null };
  management: Management;
  health: { timeoutMs: number; intervalMs: number };
  /**
   * The serving file's restart policy: the default for a sweep that sets none. Only the
   * sweep's plan acts on it (it marks the boundaries); the controller never reads it.
   */
  restart: RestartPolicy;
  canary: CanaryPolicy | null;
  /**
   * Serving profiles by name: arguments added to the start command of a server pairbench owns
   * (levers that live in the server: -np, --cache-reuse, a draft model). A variant names one as
   * `terse@name`; the sweep restarts the server only where the profile changes.
   */
  profiles?: Readonly<Record<string, ServingProfile>>;
}

export interface ServingProfile {
  args: readonly string[];
}

/** A profile's name: what may follow `@` in a harness variant. */
export const PROFILE_NAME = /^[a-z0-9][a-z0-9_.]*$/;

export function servingKind(m: Management): ServingKind {
  switch (m.type) {
    case 'command':
      return 'command';
    case 'restart_command':
      return 'restart-command';
    case 'container':
      return 'container';
    case 'none':
      return 'none';
    case 'simulated':
      return 'simulated';
  }
}

const DEFAULT_HEALTH = { timeoutMs: 600_000, intervalMs: 250 };

export const ENV_NAME = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
const positiveInt = z.number().int().min(1);
const rate = z.number().min(0).max(1);

const EndpointSection = z.strictObject({
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  model: z.string().min(1).optional(),
  dialect: z.enum(DIALECTS).optional(),
  api_key_env: ENV_NAME.optional(),
  first_token_timeout_ms: positiveInt.optional(),
  idle_timeout_ms: positiveInt.optional(),
});

const SimulatedSection = z.strictObject({
  time_scale: z.number().min(0).optional(),
  tasks_dir: z.string().min(1).optional(),
  load_time_ms: z.number().int().min(0).optional(),
  seed: z.number().int().min(0).optional(),
  slowdown_per_request: z.number().min(0).optional(),
  faults: z.strictObject(Object.fromEntries(FAULT_KINDS.map((f) => [f, rate.optional()])) as Record<FaultKind, z.ZodOptional<typeof rate>>).optional(),
});

const ManagementSection = z.strictObject({
  type: z.enum(['command', 'restart_command', 'container', 'none', 'simulated']),
  command: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  cwd: z.string().min(1).optional(),
  container: z.string().min(1).optional(),
});

const FileSchema = z.strictObject({
  endpoint: EndpointSection.optional(),
  management: ManagementSection.optional(),
  simulated: SimulatedSection.optional(),
  health: z.strictObject({ timeout_ms: positiveInt.optional(), interval_ms: positiveInt.optional() }).optional(),
  restart: z
    .strictObject({
      policy: z.union([z.literal('never'), z.literal('group'), z.literal('every')]),
      trials: positiveInt.optional(),
    })
    .optional(),
  canary: z.strictObject({ every_trials: z.number().int().min(0), factor: z.number().gt(1) }).optional(),
  profiles: z.record(z.string(), z.strictObject({ args: z.array(z.string().min(1)) })).optional(),
});

type ServingFile = z.infer<typeof FileSchema>;

/** Parses serving TOML. `baseDir` anchors relative paths (cwd, tasks_dir): the file's directory. */
export function parseServingToml(text: string, source: string, baseDir: string): ServingConfig {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    throw invalid(source, [`not valid TOML: ${(e as Error).message.split('\n')[0]}`]);
  }
  const problems: string[] = [];
  const inlineKey = takeInlineKey((raw as Record<string, unknown>).endpoint, 'endpoint', 'a file');
  if (inlineKey !== null) problems.push(inlineKey);
  const parsed = FileSchema.safeParse(raw);
  if (parsed.success && problems.length === 0) return frozen(fromFile(parsed.data, source, baseDir));
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap(issueTexts));
  // The cross-field checks too, so one run lists every problem; they read presence only.
  try {
    fromFile((raw ?? {}) as ServingFile, source, baseDir);
  } catch (e) {
    if (e instanceof ValidationError) problems.push(...e.problems.filter((p) => !problems.includes(p)));
  }
  throw invalid(source, problems);
}

/**
 * A config as loaded is never edited: whoever needs another value (a sweep's time scale or
 * canary) builds a new config from it. Frozen, so an edit in place fails where it is made.
 */
function frozen(config: ServingConfig): ServingConfig {
  const freeze = (o: object): void => {
    for (const v of Object.values(o)) if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) freeze(v as object);
    Object.freeze(o);
  };
  freeze(config);
  return config;
}

export async function loadServingConfig(path: string): Promise<ServingConfig> {
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw invalid(path, [`cannot read the file: ${e.code ?? e.message}`]);
  });
  return parseServingToml(text, path, dirname(resolve(path)));
}

function fromFile(f: ServingFile, source: string, baseDir: string): ServingConfig {
  const problems: string[] = [];
  const type = f.management?.type ?? (f.simulated ? 'simulated' : 'none');
  const m = f.management;
  let management: Management;
  switch (type) {
    case 'command': {
      if (m?.command === undefined) problems.push('management.command: required for type "command" (the command line that starts the server)');
      const cmd = m?.command ?? [];
      // A string runs under sh with exec, so the shell becomes the server and a stop reaches it.
      management = { type, command: typeof cmd === 'string' ? ['/bin/sh', '-c', `exec ${cmd}`] : cmd, cwd: m?.cwd ? resolve(baseDir, m.cwd) : null };
      break;
    }
    case 'restart_command':
      if (typeof m?.command !== 'string') problems.push('management.command: required for type "restart_command", as one string run by the shell');
      management = { type, command: typeof m?.command === 'string' ? m.command : '' };
      break;
    case 'container':
      if (!m?.container) problems.push('management.container: required for type "container" (the container\'s name or id)');
      management = { type, container: m?.container ?? '' };
      break;
    case 'none':
      management = { type };
      break;
    case 'simulated':
      management = { type, simulated: simulatedFrom(f.simulated, baseDir) };
      break;
  }
  if (f.simulated && type !== 'simulated') problems.push(`simulated: only used with management.type "simulated" (this file says "${type}")`);
  if (m && type !== 'command' && type !== 'restart_command' && m.command !== undefined) problems.push(`management.command: not used with type "${type}"`);
  if (m && type !== 'container' && m.container !== undefined) problems.push(`management.container: not used with type "${type}"`);
  if (m && type !== 'command' && m.cwd !== undefined) problems.push(`management.cwd: only used with type "command"`);

  const e = f.endpoint ?? {};
  if (type === 'simulated') {
    if (e.base_url !== undefined) problems.push('endpoint.base_url: the simulated server picks its own port; leave base_url out');
    if (e.dialect !== undefined && e.dialect !== 'llama-server') problems.push('endpoint.dialect: the simulated server speaks "llama-server"');
  } else {
    if (e.base_url === undefined) problems.push('endpoint.base_url: required (e.g. "http://127.0.0.1:8080")');
    const credentials = e.base_url === undefined ? null : urlCredentialProblem('endpoint.base_url', e.base_url);
    if (credentials) problems.push(credentials);
    if (e.model === undefined) problems.push('endpoint.model: required (the model name the server expects)');
    if (e.dialect === undefined) problems.push(`endpoint.dialect: required, one of ${DIALECTS.join(', ')}`);
  }
  if (f.restart?.policy === 'every' && f.restart.trials === undefined) problems.push('restart.trials: required with policy "every"');
  if (f.restart && f.restart.policy !== 'every' && f.restart.trials !== undefined) problems.push(`restart.trials: only used with policy "every"`);
  for (const name of Object.keys(f.profiles ?? {})) {
    if (!PROFILE_NAME.test(name)) problems.push(`profiles.${name}: a profile's name is lower-case letters, digits, "_" and "." (it follows "@" in a variant)`);
  }
  if (f.profiles && type !== 'command' && type !== 'simulated') {
    problems.push(`profiles: need a server pairbench starts (management.type "command" or "simulated"); with "${type}" it cannot add start-up flags`);
  }
  if (problems.length > 0) throw invalid(source, problems);

  return {
    endpoint: {
      baseUrl: e.base_url ?? null,
      model: e.model ?? 'simulated',
      dialect: e.dialect ?? 'llama-server',
      apiKeyEnv: e.api_key_env ?? null,
      timeouts: timeoutsFrom(e.first_token_timeout_ms, e.idle_timeout_ms),
    },
    management,
    health: { timeoutMs: f.health?.timeout_ms ?? DEFAULT_HEALTH.timeoutMs, intervalMs: f.health?.interval_ms ?? DEFAULT_HEALTH.intervalMs },
    restart: restartFrom(f.restart),
    canary: f.canary ? { everyTrials: f.canary.every_trials, factor: f.canary.factor } : null,
    ...(f.profiles && { profiles: Object.fromEntries(Object.entries(f.profiles).map(([name, p]) => [name, { args: p.args }])) }),
  };
}

/** A harness name's serving profile: what follows its `@`, or null. */
export function profileOf(harness: string): string | null {
  const at = harness.lastIndexOf('@');
  return at < 0 ? null : harness.slice(at + 1);
}

/** A harness name without its serving profile. */
export function withoutProfile(harness: string): string {
  const at = harness.lastIndexOf('@');
  return at < 0 ? harness : harness.slice(0, at);
}

function simulatedFrom(s: ServingFile['simulated'], baseDir: string): SimulatedSettings {
  const faults: Partial<Record<FaultKind, number>> = {};
  for (const k of FAULT_KINDS) {
    const v = s?.faults?.[k];
    if (v !== undefined) faults[k] = v;
  }
  return {
    timeScale: s?.time_scale ?? 1,
    tasksDir: s?.tasks_dir ? resolve(baseDir, s.tasks_dir) : null,
    loadTimeMs: s?.load_time_ms ?? 0,
    seed: s?.seed ?? null,
    slowdownPerRequest: s?.slowdown_per_request ?? null,
    faults,
  };
}

function restartFrom(r: ServingFile['restart']): RestartPolicy {
  if (!r || r.policy === 'never') return { kind: 'never' };
  if (r.policy === 'group') return { kind: 'group' };
  return { kind: 'every', trials: r.trials ?? 1 };
}

function timeoutsFrom(firstTokenMs: number | undefined, idleMs: number | undefined): ServingEndpoint['timeouts'] {
  if (firstTokenMs === undefined && idleMs === undefined) return undefined;
  return { ...(firstTokenMs !== undefined && { firstTokenMs }), ...(idleMs !== undefined && { idleMs }) };
}

export interface ServingFlags {
  baseUrl?: string;
  model?: string;
  dialect?: string;
  apiKeyEnv?: string;
}

/** A remote endpoint from `--base-url --model --dialect [--api-key-env]`: management none. */
export function servingConfigFromFlags(flags: ServingFlags): ServingConfig {
  const problems: string[] = [];
  const credentials = flags.baseUrl ? urlCredentialProblem('--base-url', flags.baseUrl) : null;
  if (!flags.baseUrl) problems.push('--base-url: required (e.g. http://127.0.0.1:8080)');
  else if (credentials) problems.push(credentials);
  else if (!z.url({ protocol: /^https?$/ }).safeParse(flags.baseUrl).success) problems.push(`--base-url: not an http(s) URL (got ${flags.baseUrl})`);
  if (!flags.model) problems.push('--model: required (the model name the server expects)');
  const dialect = flags.dialect ?? 'llama-server';
  if (!(DIALECTS as readonly string[]).includes(dialect)) problems.push(`--dialect: one of ${DIALECTS.join(', ')} (got ${dialect})`);
  if (flags.apiKeyEnv !== undefined && !ENV_NAME.safeParse(flags.apiKeyEnv).success) {
    problems.push(`--api-key-env: must be an environment variable name, not the key itself`);
  }
  if (problems.length > 0) throw invalid('serving flags', problems);
  return frozen({
    endpoint: { baseUrl: flags.baseUrl ?? null, model: flags.model ?? '', dialect: dialect as Dialect, apiKeyEnv: flags.apiKeyEnv ?? null },
    management: { type: 'none' },
    health: { ...DEFAULT_HEALTH },
    restart: { kind: 'never' },
    canary: null,
  });
}

/** The simulated server, owned by the sweep. */
export function simulatedServingConfig(options: Partial<SimulatedSettings> & { restart?: RestartPolicy; canary?: CanaryPolicy | null; healthTimeoutMs?: number } = {}): ServingConfig {
  const problems: string[] = [];
  if (options.timeScale !== undefined && !(options.timeScale >= 0)) problems.push(`time scale: must be >= 0 (got ${options.timeScale})`);
  if (options.loadTimeMs !== undefined && !(options.loadTimeMs >= 0)) problems.push(`load time: must be >= 0 ms (got ${options.loadTimeMs})`);
  for (const [k, v] of Object.entries(options.faults ?? {})) {
    if (!(FAULT_KINDS as readonly string[]).includes(k)) problems.push(`fault ${k}: unknown (one of ${FAULT_KINDS.join(', ')})`);
    else if (!rate.safeParse(v).success) problems.push(`fault ${k}: rate must be in [0, 1] (got ${v})`);
  }
  if (options.canary && !(options.canary.factor > 1)) problems.push(`canary factor: must be > 1 (got ${options.canary.factor})`);
  if (problems.length > 0) throw invalid('simulated serving', problems);
  return frozen({
    endpoint: { baseUrl: null, model: 'simulated', dialect: 'llama-server', apiKeyEnv: null },
    management: {
      type: 'simulated',
      simulated: {
        timeScale: options.timeScale ?? 1,
        tasksDir: options.tasksDir ? resolve(options.tasksDir) : null,
        loadTimeMs: options.loadTimeMs ?? 0,
        seed: options.seed ?? null,
        slowdownPerRequest: options.slowdownPerRequest ?? null,
        faults: { ...options.faults },
      },
    },
    health: { timeoutMs: options.healthTimeoutMs ?? 60_000, intervalMs: 50 },
    restart: options.restart ?? { kind: 'never' },
    canary: options.canary ?? null,
  });
}

function issueTexts(issue: z.core.$ZodIssue): string[] {
  const path = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const where = path ? `${path}.` : '';
    return issue.keys.map((k) => `${where}${k}: not a serving setting (see docs/serving.example.toml)`);
  }
  return [`${path || '(file)'}: ${issue.message}`];
}

function invalid(source: string, problems: string[]): ValidationError {
  return new ValidationError(ERROR_CODES.CONFIG_INVALID, `serving config ${source} is invalid`, problems);
}

/**
 * A problem when `url` carries credentials (`user:pass@host`): they would be stored with the
 * sweep and printed in every message naming the URL. The message shows the URL without them.
 */
export function urlCredentialProblem(what: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null; // not a URL at all: reported by its own check
  }
  if (parsed.username === '' && parsed.password === '') return null;
  parsed.username = '';
  parsed.password = '';
  return (
    `${what}: carries credentials (user:password@ in ${parsed.href}); pairbench never stores or prints a key. ` +
    `Drop them from the URL and put the key in an environment variable named by --api-key-env (api_key_env in a serving file).`
  );
}
