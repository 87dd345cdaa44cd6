// task.toml: parse it, validate the fields pairbench reads, keep everything else.
// Harbor's other fields (schema_version, [task], storage_mb, gpus, [solution.env], anything
// new) pass through untouched in `raw`, so a task written for Harbor loads unchanged.

import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { TASK_DEFAULTS } from '../../core/task.js';
import type { TaskConfig } from '../../core/task.js';

const seconds = z.number().positive();

// looseObject: unknown keys in a known section are kept, not rejected.
export const TaskTomlSchema = z.looseObject({
  agent: z.looseObject({ timeout_sec: seconds.optional() }).optional(),
  verifier: z
    .looseObject({
      timeout_sec: seconds.optional(),
      env: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  environment: z
    .looseObject({
      build_timeout_sec: seconds.optional(),
      cpus: z.number().positive().optional(),
      memory_mb: z.number().int().positive().optional(),
      pids_limit: z.number().int().positive().optional(), // pairbench's own; Harbor has none
      allow_internet: z.boolean().optional(),
      docker_image: z.string().trim().min(1).optional(),
    })
    .optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export type TaskToml = z.infer<typeof TaskTomlSchema>;

/** What each checked field must be, and a line showing how to write it. */
const FIELD_RULES: Record<string, { expect: string; example: string }> = {
  agent: { expect: 'a table', example: 'a line [agent] followed by timeout_sec = 600' },
  verifier: { expect: 'a table', example: 'a line [verifier] followed by timeout_sec = 120' },
  environment: { expect: 'a table', example: 'a line [environment] followed by cpus = 1' },
  metadata: { expect: 'a table', example: 'a line [metadata] followed by difficulty = "easy"' },
  'agent.timeout_sec': { expect: 'a positive number of seconds', example: 'timeout_sec = 600' },
  'verifier.timeout_sec': { expect: 'a positive number of seconds', example: 'timeout_sec = 120' },
  'verifier.env': { expect: 'a table of strings', example: 'env = { NAME = "value" }' },
  'verifier.env.*': { expect: 'a string', example: 'NAME = "value"' },
  'environment.build_timeout_sec': { expect: 'a positive number of seconds', example: 'build_timeout_sec = 600' },
  'environment.cpus': { expect: 'a positive number of CPUs', example: 'cpus = 1' },
  'environment.memory_mb': { expect: 'a positive whole number of megabytes', example: 'memory_mb = 2048' },
  'environment.pids_limit': { expect: 'a positive whole number of processes', example: 'pids_limit = 512' },
  'environment.allow_internet': { expect: 'true or false', example: 'allow_internet = false' },
  'environment.docker_image': {
    expect: 'a non-empty image reference',
    example: 'docker_image = "pairbench/base:bookworm" (or remove it and use environment/Dockerfile)',
  },
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

function toConfig(t: TaskToml): TaskConfig {
  const env = t.environment ?? {};
  return {
    agent: { timeoutSec: t.agent?.timeout_sec ?? TASK_DEFAULTS.agentTimeoutSec },
    verifier: {
      timeoutSec: t.verifier?.timeout_sec ?? TASK_DEFAULTS.verifierTimeoutSec,
      env: t.verifier?.env ?? {},
    },
    environment: {
      buildTimeoutSec: env.build_timeout_sec ?? TASK_DEFAULTS.buildTimeoutSec,
      cpus: env.cpus ?? TASK_DEFAULTS.cpus,
      memoryMb: env.memory_mb ?? TASK_DEFAULTS.memoryMb,
      pidsLimit: env.pids_limit ?? TASK_DEFAULTS.pidsLimit,
      allowInternet: env.allow_internet ?? false,
      dockerImage: env.docker_image?.trim() ?? null,
    },
    metadata: t.metadata ?? {},
  };
}

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
