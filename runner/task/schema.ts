// task.toml: parse it, validate the fields pairbench reads, keep everything else.
// Field names, types and defaults are Harbor's (src/harbor/models/task/config.py); what
// Harbor defines and pairbench does not honour is named by harbor-fields.ts, never dropped
// in silence. Everything passes through untouched in `raw`.

import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { HEALTHCHECK_DEFAULTS, TASK_DEFAULTS } from '../../core/task.js';
import type { NetworkMode, TaskConfig } from '../../core/task.js';

const seconds = z.number().positive();
const user = z.union([z.string().trim().min(1), z.number().int().nonnegative()]).optional();
const networkMode = z.enum(['public', 'no-network', 'allowlist']).optional();
const hosts = z.array(z.string()).optional();
const envTable = z.record(z.string(), z.string()).optional();

// looseObject: unknown keys in a known section are kept, not rejected (Harbor ignores them too).
export const TaskTomlSchema = z.looseObject({
  task: z.looseObject({ name: z.string().optional() }).optional(),
  agent: z
    .looseObject({ timeout_sec: seconds.optional(), user, network_mode: networkMode, allowed_hosts: hosts })
    .optional(),
  verifier: z
    .looseObject({ timeout_sec: seconds.optional(), env: envTable, user, network_mode: networkMode, allowed_hosts: hosts })
    .optional(),
  solution: z.looseObject({ env: envTable }).optional(),
  environment: z
    .looseObject({
      build_timeout_sec: seconds.optional(),
      cpus: z.number().positive().optional(),
      memory_mb: z.number().int().positive().optional(),
      memory: z.string().regex(/^\s*\d+(\.\d+)?\s*[GgMmKk]\s*$/).optional(), // Harbor's deprecated spelling
      pids_limit: z.number().int().positive().optional(), // pairbench's own; Harbor has none
      allow_internet: z.boolean().optional(),
      network_mode: networkMode,
      allowed_hosts: hosts,
      docker_image: z.string().trim().min(1).optional(),
      workdir: z.string().startsWith('/').optional(),
      env: envTable,
      healthcheck: z
        .looseObject({
          command: z.string().trim().min(1),
          interval_sec: seconds.optional(),
          timeout_sec: seconds.optional(),
          start_period_sec: z.number().nonnegative().optional(),
          start_interval_sec: seconds.optional(),
          retries: z.number().int().positive().optional(),
        })
        .optional(),
    })
    .optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export type TaskToml = z.infer<typeof TaskTomlSchema>;

const envRule = { expect: 'a table of strings', example: 'env = { NAME = "value", KEY = "${HOST_VAR}" }' };
const envValueRule = { expect: 'a string', example: 'NAME = "value" (or "${HOST_VAR}" to read it from the host)' };
const userRule = { expect: 'a user name or a uid', example: 'user = "agent" (a user the image defines)' };
const hostsRule = { expect: 'an array of host names', example: 'allowed_hosts = ["pypi.org"]' };
const modeRule = { expect: 'one of "public", "no-network", "allowlist"', example: 'network_mode = "no-network"' };

/** What each checked field must be, and a line showing how to write it. */
const FIELD_RULES: Record<string, { expect: string; example: string }> = {
  task: { expect: 'a table', example: 'a line [task] followed by name = "org/name"' },
  agent: { expect: 'a table', example: 'a line [agent] followed by timeout_sec = 600' },
  verifier: { expect: 'a table', example: 'a line [verifier] followed by timeout_sec = 600' },
  solution: { expect: 'a table', example: 'a line [solution] followed by env = { NAME = "value" }' },
  environment: { expect: 'a table', example: 'a line [environment] followed by cpus = 1' },
  metadata: { expect: 'a table', example: 'a line [metadata] followed by difficulty = "easy"' },
  'task.name': { expect: 'a string', example: 'name = "org/name"' },
  'agent.timeout_sec': { expect: 'a positive number of seconds', example: 'timeout_sec = 600' },
  'agent.user': userRule,
  'agent.network_mode': modeRule,
  'agent.allowed_hosts': hostsRule,
  'verifier.timeout_sec': { expect: 'a positive number of seconds', example: 'timeout_sec = 600' },
  'verifier.env': envRule,
  'verifier.env.*': envValueRule,
  'verifier.user': userRule,
  'verifier.network_mode': modeRule,
  'verifier.allowed_hosts': hostsRule,
  'solution.env': envRule,
  'solution.env.*': envValueRule,
  'environment.build_timeout_sec': { expect: 'a positive number of seconds', example: 'build_timeout_sec = 600' },
  'environment.cpus': { expect: 'a positive number of CPUs', example: 'cpus = 1' },
  'environment.memory_mb': { expect: 'a positive whole number of megabytes', example: 'memory_mb = 2048' },
  'environment.memory': { expect: 'a size such as "2G" or "512M"', example: 'memory_mb = 2048 (memory is deprecated in Harbor)' },
  'environment.pids_limit': { expect: 'a positive whole number of processes', example: 'pids_limit = 512' },
  'environment.allow_internet': { expect: 'true or false', example: 'allow_internet = false' },
  'environment.network_mode': modeRule,
  'environment.allowed_hosts': hostsRule,
  'environment.docker_image': {
    expect: 'a non-empty image reference',
    example: 'docker_image = "pairbench/base:bookworm" (or remove it and use environment/Dockerfile)',
  },
  'environment.workdir': { expect: 'an absolute path in the container', example: 'workdir = "/app"' },
  'environment.env': envRule,
  'environment.env.*': envValueRule,
  'environment.healthcheck': { expect: 'a table with a command', example: 'a line [environment.healthcheck] followed by command = "curl -fsS localhost:8000"' },
  'environment.healthcheck.command': { expect: 'a shell command', example: 'command = "test -S /run/app.sock"' },
  'environment.healthcheck.interval_sec': { expect: 'a positive number of seconds', example: 'interval_sec = 5' },
  'environment.healthcheck.timeout_sec': { expect: 'a positive number of seconds', example: 'timeout_sec = 30' },
  'environment.healthcheck.start_period_sec': { expect: 'a number of seconds (0 or more)', example: 'start_period_sec = 0' },
  'environment.healthcheck.start_interval_sec': { expect: 'a positive number of seconds', example: 'start_interval_sec = 5' },
  'environment.healthcheck.retries': { expect: 'a positive whole number', example: 'retries = 3' },
};

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `${JSON.stringify(value)} (a string)`;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : `${value} (a fraction)`;
  if (typeof value === 'boolean') return `${value} (a boolean)`;
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  return 'a table';
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function ruleFor(path: readonly PropertyKey[]): { expect: string; example: string } | undefined {
  const exact = FIELD_RULES[path.join('.')];
  if (exact) return exact;
  if (path.length === 3) return FIELD_RULES[`${String(path[0])}.${String(path[1])}.*`];
  if (path.length > 1 && typeof path[path.length - 1] === 'number') return FIELD_RULES[path.slice(0, -1).join('.')];
  return undefined;
}

/** `task.toml [section] key` for a zod issue path. */
function where(path: readonly PropertyKey[]): string {
  const [section, ...rest] = path.map(String);
  if (section === undefined) return 'task.toml';
  if (rest.length === 0) return `task.toml [${section}]`;
  return `task.toml [${section}] ${rest.join('.')}`;
}

function problemFor(raw: unknown, issue: z.core.$ZodIssue): string {
  const value = valueAt(raw, issue.path);
  const rule = ruleFor(issue.path);
  if (!rule) return `${where(issue.path)}: ${issue.message}`;
  const key = String(issue.path[issue.path.length - 1]);
  // A number written in quotes is the common slip: show the unquoted form.
  const fix =
    typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) && Number(value) > 0
      ? `write it without quotes: ${key} = ${value.trim()}`
      : `for example ${rule.example}`;
  return `${where(issue.path)}: expected ${rule.expect}, got ${describe(value)}; ${fix}`;
}

export type TomlCheck =
  | { ok: true; raw: Record<string, unknown>; config: TaskConfig }
  | { ok: false; raw: Record<string, unknown> | null; problems: string[] };

/** Parses and validates task.toml text; every problem is reported, none thrown. */
export function checkTaskToml(text: string): TomlCheck {
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      // smol-toml's message carries a code block after the first line; the position says enough.
      const first = (e.message.split('\n')[0] ?? e.message).replace(/^Invalid TOML document:\s*/, '');
      return {
        ok: false,
        raw: null,
        problems: [`task.toml:${e.line}:${e.column}: not valid TOML (${first}); fix the syntax at that line`],
      };
    }
    throw e;
  }
  const parsed = TaskTomlSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, raw, problems: parsed.error.issues.map((issue) => problemFor(raw, issue)) };
  }
  return { ok: true, raw, config: toConfig(parsed.data) };
}

/** Harbor's deprecated `memory = "4G"` in megabytes, as its _parse_size_to_mb reads it. */
function sizeToMb(size: string): number {
  const t = size.trim().toUpperCase();
  const n = Number.parseFloat(t.slice(0, -1));
  const unit = t.slice(-1);
  return Math.trunc(unit === 'G' ? n * 1024 : unit === 'K' ? n / 1024 : n);
}

type Mode = 'public' | 'no-network' | 'allowlist' | undefined;

/** A phase's explicit mode: allowed_hosts alone means allowlist, as in Harbor. */
function explicitMode(mode: Mode, allowed: string[] | undefined): Mode {
  if (mode !== undefined) return mode;
  return allowed !== undefined && allowed.length > 0 ? 'allowlist' : undefined;
}

/** pairbench enforces public and no-network; an allowlist it cannot enforce runs offline. */
const enforced = (mode: 'public' | 'no-network' | 'allowlist'): NetworkMode => (mode === 'public' ? 'public' : 'no-network');

function toConfig(t: TaskToml): TaskConfig {
  const env = t.environment ?? {};
  // Harbor's resolve_baseline: network_mode wins, then allow_internet = false, else public.
  const baseline: NetworkMode = enforced(
    explicitMode(env.network_mode, env.allowed_hosts) ?? (env.allow_internet === false ? 'no-network' : TASK_DEFAULTS.network),
  );
  const phase = (mode: Mode, allowed: string[] | undefined): NetworkMode => {
    const m = explicitMode(mode, allowed);
    return m === undefined ? baseline : enforced(m);
  };
  const userOf = (u: string | number | undefined): string | null => (u === undefined ? null : String(u).trim());
  const hc = env.healthcheck;
  return {
    harborName: t.task?.name ?? null,
    agent: {
      timeoutSec: t.agent?.timeout_sec ?? TASK_DEFAULTS.agentTimeoutSec,
      user: userOf(t.agent?.user),
      network: phase(t.agent?.network_mode, t.agent?.allowed_hosts),
    },
    verifier: {
      timeoutSec: t.verifier?.timeout_sec ?? TASK_DEFAULTS.verifierTimeoutSec,
      env: t.verifier?.env ?? {},
      user: userOf(t.verifier?.user),
      network: phase(t.verifier?.network_mode, t.verifier?.allowed_hosts),
    },
    solution: { env: t.solution?.env ?? {} },
    environment: {
      buildTimeoutSec: env.build_timeout_sec ?? TASK_DEFAULTS.buildTimeoutSec,
      cpus: env.cpus ?? TASK_DEFAULTS.cpus,
      memoryMb: env.memory_mb ?? (env.memory !== undefined ? sizeToMb(env.memory) : TASK_DEFAULTS.memoryMb),
      pidsLimit: env.pids_limit ?? TASK_DEFAULTS.pidsLimit,
      network: baseline,
      dockerImage: env.docker_image?.trim() ?? null,
      workdir: env.workdir ?? null,
      env: env.env ?? {},
      healthcheck: hc
        ? {
            command: hc.command,
            intervalSec: hc.interval_sec ?? HEALTHCHECK_DEFAULTS.intervalSec,
            timeoutSec: hc.timeout_sec ?? HEALTHCHECK_DEFAULTS.timeoutSec,
            startPeriodSec: hc.start_period_sec ?? HEALTHCHECK_DEFAULTS.startPeriodSec,
            startIntervalSec: hc.start_interval_sec ?? HEALTHCHECK_DEFAULTS.startIntervalSec,
            retries: hc.retries ?? HEALTHCHECK_DEFAULTS.retries,
          }
        : null,
    },
    metadata: t.metadata ?? {},
  };
}

/** Harbor's ORG_NAME_PATTERN (src/harbor/constants.py) for [task] name, and its org part. */
export const HARBOR_TASK_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]*\/[a-zA-Z0-9][a-zA-Z0-9._-]*$/;
export const HARBOR_ORG_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

// Task names become part of image tags and container names, so they must be a valid
// Docker repository path component: lowercase letters and digits, joined by . _ __ or -.
export const TASK_NAME_PATTERN = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
export const TASK_NAME_MAX = 100;
export const TASK_NAME_RULE =
  'use lowercase letters, digits and single . _ or - between them (a Docker image name component), at most 100 characters';

/** Why `name` cannot be a task name, or null when it can. */
export function taskNameProblem(name: string): string | null {
  if (name.length === 0) return 'the name is empty';
  if (name.length > TASK_NAME_MAX) return `the name is ${name.length} characters long`;
  if (!TASK_NAME_PATTERN.test(name)) return `"${name}" is not usable in a Docker image name`;
  return null;
}
