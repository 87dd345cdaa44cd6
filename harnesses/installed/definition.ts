// Loads agents/<name>/agent.toml and checks every field at once: one message lists each
// problem with its fix. Agents are found under ./agents and any --agents-dir, like tasks.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { AGENT_APIS, type AgentApi, type AgentDefinition, type AgentRuntime } from '../../core/agent.js';
import { ERROR_CODES, ValidationError, errorMessage } from '../../core/errors.js';
import { TEMPLATE_KEYS, templateProblems } from './template.js';

export const AGENT_FILE = 'agent.toml';
/** No + or - inside a name: they start a variant's switches (pi-cache, opencode+think). */
export const AGENT_NAME_RULE = /^[a-z][a-z0-9_]*$/;
const RUNTIMES: readonly AgentRuntime[] = ['none', 'host-node'];
// An exact version: npm silently picks an older release for a range whose newest needs a newer node.
const EXACT_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const NPM_NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;
const KNOWN_KEYS = new Set(['name', 'description', 'api', 'install', 'runtime', 'run', 'env', 'files']);

export interface BrokenAgent {
  name: string;
  dir: string;
  problems: string[];
}

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Loads one agent directory; throws ValidationError listing every problem. */
export function loadAgent(dir: string): AgentDefinition {
  const abs = resolve(dir);
  const name = basename(abs);
  const file = join(abs, AGENT_FILE);
  const problems: string[] = [];
  if (!AGENT_NAME_RULE.test(name)) problems.push(`${name}: an agent's directory name is its harness name: lower-case letters, digits and _ (no + or -, which start variant switches)`);
  let raw: Table = {};
  if (!existsSync(file)) problems.push(`${AGENT_FILE}: missing; run \`pairbench agents new ${name}\` for a scaffold`);
  else {
    try {
      raw = parseToml(readFileSync(file, 'utf8')) as Table;
    } catch (e) {
      problems.push(`${AGENT_FILE}: not valid TOML (${errorMessage(e).split('\n')[0]})`);
    }
  }
  const def = checkAgentToml(raw, name, abs, problems);
  if (problems.length > 0) throw new ValidationError(ERROR_CODES.CONFIG_INVALID, `agent ${name} (${abs})`, problems);
  return def;
}

function checkAgentToml(raw: Table, name: string, dir: string, problems: string[]): AgentDefinition {
  const str = (v: unknown, where: string, fix: string): string => {
    if (typeof v === 'string' && v.trim() !== '') return v;
    problems.push(`${where}: ${v === undefined ? 'missing' : 'must be a non-empty string'}; ${fix}`);
    return '';
  };
  for (const k of Object.keys(raw)) if (!KNOWN_KEYS.has(k)) problems.push(`${k}: unknown key (known: ${[...KNOWN_KEYS].join(', ')})`);
  if (raw.name !== undefined && raw.name !== name) problems.push(`name: "${String(raw.name)}" differs from the directory name "${name}"; the directory name is the harness name, so drop name or make them agree`);

  const api = raw.api ?? 'openai-chat';
  if (!AGENT_APIS.includes(api as AgentApi)) problems.push(`api: "${String(api)}" is not supported (supported: ${AGENT_APIS.join(', ')})`);

  const install = isTable(raw.install) ? raw.install : {};
  if (!isTable(raw.install)) problems.push('[install]: missing; give npm = "<package>", version = "<exact version>", entry = "<path of the entry point in the install>"');
  const npm = str(install.npm, 'install.npm', 'the npm package to install, e.g. "@mariozechner/pi-coding-agent"');
  if (npm !== '' && !NPM_NAME.test(npm)) problems.push(`install.npm: "${npm}" is not an npm package name`);
  const version = str(install.version, 'install.version', 'an exact version such as "1.2.3"');
  if (version !== '' && !EXACT_VERSION.test(version)) problems.push(`install.version: "${version}" must be an exact version (1.2.3), not a range: installs must be the same on every machine`);
  const entry = str(install.entry, 'install.entry', 'the entry point inside the install, e.g. "node_modules/<package>/cli.js"');
  if (entry.startsWith('/') || entry.split('/').includes('..')) problems.push(`install.entry: "${entry}" must be a relative path inside the install`);

  const runtimeTable = isTable(raw.runtime) ? raw.runtime : { kind: raw.runtime ?? 'none' };
  const runtime = runtimeTable.kind as AgentRuntime;
  if (!RUNTIMES.includes(runtime)) problems.push(`runtime.kind: "${String(runtimeTable.kind)}" is not one of ${RUNTIMES.join(', ')}`);

  const run = isTable(raw.run) ? raw.run : {};
  let command: string[] = [];
  if (!Array.isArray(run.command) || run.command.length === 0 || !run.command.every((a) => typeof a === 'string')) {
    problems.push('run.command: must be a non-empty list of strings (the argv), e.g. ["{node}", "{entry}", "-p", "{instruction}"]');
  } else {
    command = run.command as string[];
    if (!command.some((a) => a.includes('{instruction}'))) problems.push('run.command: must pass the task with {instruction}');
    command.forEach((a, i) => problems.push(...templateProblems(a, `run.command[${i}]`)));
  }

  const env: Record<string, string> = {};
  if (raw.env !== undefined && !isTable(raw.env)) problems.push('[env]: must be a table of NAME = "value"');
  for (const [k, v] of Object.entries(isTable(raw.env) ? raw.env : {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) problems.push(`env.${k}: not a valid environment variable name`);
    if (typeof v !== 'string') problems.push(`env.${k}: must be a string`);
    else {
      env[k] = v;
      problems.push(...templateProblems(v, `env.${k}`));
    }
  }

  const files: AgentDefinition['files'] = [];
  if (raw.files !== undefined && !Array.isArray(raw.files)) problems.push('[[files]]: must be an array of tables with path and content');
  (Array.isArray(raw.files) ? raw.files : []).forEach((f, i) => {
    if (!isTable(f) || typeof f.path !== 'string' || typeof f.content !== 'string') {
      problems.push(`files[${i}]: needs path = "..." and content = "..." (both strings)`);
      return;
    }
    if (!f.path.startsWith('/') && !f.path.startsWith('{home}') && !f.path.startsWith('{workdir}')) problems.push(`files[${i}].path: must be absolute or start with {home} or {workdir}`);
    problems.push(...templateProblems(f.path, `files[${i}].path`), ...templateProblems(f.content, `files[${i}].content`));
    files.push({ path: f.path, content: f.content });
  });
  void TEMPLATE_KEYS;
  return {
    name,
    dir,
    description: typeof raw.description === 'string' ? raw.description : '',
    api: api as AgentApi,
    install: { npm, version, entry },
    runtime,
    command,
    env,
    files,
  };
}

export interface LoadedAgents {
  agents: Map<string, AgentDefinition>;
  broken: BrokenAgent[];
}

/** Every agent under the given directories; a later directory's agent of the same name wins. Missing directories are skipped. */
export function loadAgents(dirs: readonly string[]): LoadedAgents {
  const agents = new Map<string, AgentDefinition>();
  const broken = new Map<string, BrokenAgent>();
  for (const root of dirs) {
    const abs = resolve(root);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) continue;
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const dir = join(abs, entry.name);
      try {
        agents.set(entry.name, loadAgent(dir));
        broken.delete(entry.name);
      } catch (e) {
        agents.delete(entry.name);
        broken.set(entry.name, { name: entry.name, dir, problems: e instanceof ValidationError ? e.problems : [errorMessage(e)] });
      }
    }
  }
  return { agents, broken: [...broken.values()] };
}
