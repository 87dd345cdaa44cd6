// environment/docker-compose.yaml, read as Harbor reads it: the file is merged over Harbor's
// own base and build files (src/harbor/environments/docker/docker-compose-base.yaml and
// -build.yaml, then the task's file last), so `main` is the trial's own container, built from
// environment/Dockerfile, and every other service is a sidecar on the trial's network. Keys
// pairbench cannot honour are collected by name for one load warning; what cannot run at all
// (a service with neither build nor image, a context outside environment/, a dependency cycle)
// is a load problem.

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { unsetTemplateProblems } from '../../core/env-templates.js';
import { imageReferenceProblem } from './boundary.js';
import type { ComposeEnvironment, ComposeService, EnvTemplates, ServiceHealthcheck } from '../../core/task.js';

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Harbor's name for the trial's own service. */
export const MAIN_SERVICE = 'main';

/** Top-level keys that carry nothing to run (the file's name and format version). */
const TOP_IGNORED = new Set(['version', 'name', 'services']);
/** A sidecar's keys pairbench runs as compose means them. */
const SERVICE_HONOURED = new Set(['build', 'image', 'command', 'entrypoint', 'environment', 'working_dir', 'user', 'depends_on', 'healthcheck', 'expose', 'init']);
/** main's keys: Harbor's own build of it stands; these add to it. */
const MAIN_HONOURED = new Set(['environment', 'depends_on', 'build', 'command']);

/** Docker's healthcheck defaults (compose leaves them to the engine). */
const HEALTH_DEFAULTS = { intervalSec: 30, timeoutSec: 30, startPeriodSec: 0, startIntervalSec: 5, retries: 3 };

export interface ParsedCompose {
  compose: ComposeEnvironment | null;
  problems: string[];
  /** `services.<name>.<key>` (or a top-level key) for every key pairbench does not honour. */
  unhonoured: string[];
}

/** The warning naming every key the file sets that pairbench does not honour, or null. */
export function composeWarning(unhonoured: string[]): string | null {
  if (unhonoured.length === 0) return null;
  return (
    `environment/docker-compose.yaml: pairbench does not honour ${unhonoured.join(', ')}; ignored ` +
    "(sidecars run unprivileged with the task's limits on one network of the trial's own, reached by service name, with no published ports and no mounts)"
  );
}

const DURATION = /(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)/g;

/** Compose's duration ("1m30s", "500ms", "10s"); null when it is not one. */
export function durationSec(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v !== 'string' || !/^(\d+(\.\d+)?(h|ms|m|s|us|ns))+$/.test(v.trim())) return null;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9 };
  let total = 0;
  for (const m of v.trim().matchAll(DURATION)) total += Number(m[1]) * unit[m[2]!]!;
  return total;
}

/** Compose's string form of command/entrypoint: split as a shell would split words, never run by one. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

function argvOf(v: unknown, where: string, problems: string[]): string[] | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return splitWords(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String);
  problems.push(`${where}: must be a string or a list of strings`);
  return null;
}

function environmentOf(v: unknown, where: string, problems: string[]): EnvTemplates {
  const out: EnvTemplates = {};
  if (v === undefined || v === null) return out;
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = String(item);
      const eq = s.indexOf('=');
      // `- NAME` alone passes the host's value in compose: a secret's way in, so it is refused.
      if (eq <= 0) problems.push(`${where}: "${s}" takes its value from the host; write NAME=\${NAME} to read a host variable`);
      else out[s.slice(0, eq)] = s.slice(eq + 1);
    }
  } else if (isTable(v)) {
    for (const [k, val] of Object.entries(v)) {
      if (val === null || val === undefined) problems.push(`${where}.${k}: takes its value from the host; write ${k}: \${${k}} to read a host variable`);
      else out[k] = String(val);
    }
  } else problems.push(`${where}: must be a list of NAME=value or a table`);
  return out;
}

function dependsOf(v: unknown, where: string, problems: string[], unhonoured: string[]): { service: string; healthy: boolean }[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map((s) => ({ service: String(s), healthy: false }));
  if (isTable(v)) {
    return Object.entries(v).map(([service, spec]) => {
      const condition = isTable(spec) ? spec['condition'] : undefined;
      if (condition === 'service_completed_successfully') unhonoured.push(`${where}.${service}.condition service_completed_successfully (waited on as started)`);
      return { service, healthy: condition === 'service_healthy' };
    });
  }
  problems.push(`${where}: must be a list of service names or a table`);
  return [];
}

function healthcheckOf(v: unknown, where: string, problems: string[]): ServiceHealthcheck | null {
  if (v === undefined || v === null || !isTable(v) || v['disable'] === true) return null;
  const test = v['test'];
  let argv: string[] | null = null;
  if (typeof test === 'string') argv = ['/bin/sh', '-c', test];
  else if (Array.isArray(test) && test.length > 0) {
    const [kind, ...rest] = test.map(String);
    if (kind === 'NONE') return null;
    if (kind === 'CMD') argv = rest;
    else if (kind === 'CMD-SHELL') argv = ['/bin/sh', '-c', rest.join(' ')];
  }
  if (argv === null || argv.length === 0) {
    problems.push(`${where}.test: must be a command string, or a list starting with CMD or CMD-SHELL`);
    return null;
  }
  const sec = (key: string, fallback: number): number => {
    if (v[key] === undefined) return fallback;
    const s = durationSec(v[key]);
    if (s === null) problems.push(`${where}.${key}: must be a duration such as 5s or 1m30s`);
    return s ?? fallback;
  };
  const retries = v['retries'] === undefined ? HEALTH_DEFAULTS.retries : Number(v['retries']);
  if (!Number.isInteger(retries) || retries < 1) problems.push(`${where}.retries: must be a whole number >= 1`);
  return {
    argv,
    intervalSec: sec('interval', HEALTH_DEFAULTS.intervalSec),
    timeoutSec: sec('timeout', HEALTH_DEFAULTS.timeoutSec),
    startPeriodSec: sec('start_period', HEALTH_DEFAULTS.startPeriodSec),
    startIntervalSec: sec('start_interval', HEALTH_DEFAULTS.startIntervalSec),
    retries: Number.isInteger(retries) && retries >= 1 ? retries : HEALTH_DEFAULTS.retries,
  };
}

/** Harbor sets ${CONTEXT_DIR} to environment/; a relative context is relative to the file (environment/ too). */
function buildOf(v: unknown, where: string, envDir: string, problems: string[], unhonoured: string[]): ComposeService['build'] {
  if (v === undefined || v === null) return null;
  const spec = typeof v === 'string' ? { context: v } : isTable(v) ? v : null;
  if (spec === null || (spec['context'] !== undefined && typeof spec['context'] !== 'string')) {
    problems.push(`${where}: must be a context path or a table with context (and dockerfile)`);
    return null;
  }
  for (const k of Object.keys(spec)) if (k !== 'context' && k !== 'dockerfile') unhonoured.push(`${where}.${k}`);
  const raw = String(spec['context'] ?? '.').replace(/^\$\{CONTEXT_DIR\}|^\$CONTEXT_DIR\b/, '.');
  const context = path.resolve(envDir, raw);
  const rel = path.relative(envDir, context);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    problems.push(`${where}.context: ${JSON.stringify(raw)} is outside the task's environment/; keep every build context inside it`);
    return null;
  }
  if (!existsSync(context) || !statSync(context).isDirectory()) {
    problems.push(`${where}.context: environment/${rel || '.'} is not a directory`);
    return null;
  }
  const dockerfile = typeof spec['dockerfile'] === 'string' ? spec['dockerfile'] : 'Dockerfile';
  const df = path.resolve(context, dockerfile);
  if (path.relative(context, df).startsWith('..') || !existsSync(df)) {
    problems.push(`${where}.dockerfile: environment/${path.join(rel, dockerfile)} is missing`);
    return null;
  }
  return { context, dockerfile: path.relative(context, df).split(path.sep).join('/') };
}

/** Services in dependency order (declaration order among equals); null with a problem on a cycle. */
function startOrder(services: ComposeService[], problems: string[]): ComposeService[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const out: ComposeService[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: ComposeService, chain: string[]): boolean => {
    const st = state.get(s.name);
    if (st === 'done') return true;
    if (st === 'visiting') {
      problems.push(`services: depends_on forms a cycle (${[...chain, s.name].join(' -> ')}); break it`);
      return false;
    }
    state.set(s.name, 'visiting');
    for (const d of s.dependsOn) {
      const dep = byName.get(d.service);
      if (dep && !visit(dep, [...chain, s.name])) return false;
    }
    state.set(s.name, 'done');
    out.push(s);
    return true;
  };
  for (const s of services) if (!visit(s, [])) return services;
  return out;
}

/** Parses the file's text; `envDir` is the task's environment/ (absolute). */
export function parseCompose(text: string, envDir: string): ParsedCompose {
  const problems: string[] = [];
  const unhonoured: string[] = [];
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return { compose: null, problems: [`not valid YAML: ${(e as Error).message.split('\n')[0]}`], unhonoured };
  }
  if (!isTable(doc) || !isTable(doc['services'])) {
    return { compose: null, problems: ['services: missing; a compose file lists its services under `services:`'], unhonoured };
  }
  for (const k of Object.keys(doc)) if (!TOP_IGNORED.has(k) && !k.startsWith('x-')) unhonoured.push(k);

  const services: ComposeService[] = [];
  let mainEnvironment: EnvTemplates = {};
  let mainDepends: { service: string; healthy: boolean }[] = [];
  for (const [name, raw] of Object.entries(doc['services'])) {
    const where = `services.${name}`;
    const svc = isTable(raw) ? raw : {};
    if (name === MAIN_SERVICE) {
      for (const k of Object.keys(svc)) if (!MAIN_HONOURED.has(k)) unhonoured.push(`${where}.${k}`);
      // Harbor's build file builds main from environment/ and replaces its command; a task
      // file that points either elsewhere asks for what pairbench does not do.
      const b = svc['build'];
      const ctx = typeof b === 'string' ? b : isTable(b) ? b['context'] : undefined;
      if (b !== undefined && !(ctx === undefined || ctx === '.' || ctx === './' || ctx === '${CONTEXT_DIR}')) unhonoured.push(`${where}.build (main is built from environment/Dockerfile)`);
      // Harbor's own mapper writes main's command as `sh -c "sleep infinity"`: what pairbench does anyway.
      const cmd = svc['command'];
      if (cmd !== undefined && !/sleep infinity/.test(Array.isArray(cmd) ? cmd.join(' ') : String(cmd))) unhonoured.push(`${where}.command (main idles until pairbench execs in it)`);
      mainEnvironment = environmentOf(svc['environment'], `${where}.environment`, problems);
      mainDepends = dependsOf(svc['depends_on'], `${where}.depends_on`, problems, unhonoured);
      continue;
    }
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
      problems.push(`${where}: a service name is letters, digits, '_', '.' and '-'; rename it`);
      continue;
    }
    for (const k of Object.keys(svc)) if (!SERVICE_HONOURED.has(k)) unhonoured.push(`${where}.${k}`);
    const build = buildOf(svc['build'], `${where}.build`, envDir, problems, unhonoured);
    const image = typeof svc['image'] === 'string' && svc['image'].trim() !== '' ? svc['image'].trim() : null;
    if (svc['build'] === undefined && image === null) problems.push(`${where}: needs build (a directory inside environment/) or image (a local image)`);
    const badImage = image === null ? null : imageReferenceProblem(image);
    if (badImage) problems.push(`${where}.image: ${badImage}`);
    const environment = environmentOf(svc['environment'], `${where}.environment`, problems);
    problems.push(...unsetTemplateProblems(`environment/docker-compose.yaml ${where}.environment`, environment));
    services.push({
      name,
      build,
      image,
      entrypoint: argvOf(svc['entrypoint'], `${where}.entrypoint`, problems),
      command: argvOf(svc['command'], `${where}.command`, problems),
      environment,
      workingDir: typeof svc['working_dir'] === 'string' ? svc['working_dir'] : null,
      user: svc['user'] === undefined ? null : String(svc['user']),
      dependsOn: dependsOf(svc['depends_on'], `${where}.depends_on`, problems, unhonoured),
      healthcheck: healthcheckOf(svc['healthcheck'], `${where}.healthcheck`, problems),
    });
  }
  problems.push(...unsetTemplateProblems('environment/docker-compose.yaml services.main.environment', mainEnvironment));
  const names = new Set(services.map((s) => s.name));
  for (const s of [...services, { name: MAIN_SERVICE, dependsOn: mainDepends }]) {
    for (const d of s.dependsOn) {
      if (!names.has(d.service)) problems.push(`services.${s.name}.depends_on: ${d.service} is not a sidecar in this file`);
    }
  }
  return { compose: { services: startOrder(services, problems), mainEnvironment }, problems, unhonoured };
}
