// Harbor fields a task sets that pairbench does not honour, each named with what pairbench
// does instead. Harbor's own schema (src/harbor/models/task/config.py) is the list; a key in
// none of its sections is named too, since Harbor would ignore it as well.

import { HARBOR_TASK_NAME_PATTERN } from './schema.js';

type Table = Record<string, unknown>;

const isTable = (v: unknown): v is Table => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);

/** Keys pairbench reads, per section; metadata is free-form in Harbor and never warned about. */
const HONOURED: Record<string, readonly string[]> = {
  '': ['schema_version', 'version', 'source', 'task', 'metadata', 'agent', 'verifier', 'solution', 'environment'],
  task: ['name', 'description', 'authors', 'keywords', 'version'],
  agent: ['timeout_sec', 'user', 'network_mode', 'allowed_hosts'],
  verifier: ['timeout_sec', 'env', 'user', 'network_mode', 'allowed_hosts'],
  solution: ['env'],
  environment: [
    'build_timeout_sec', 'docker_image', 'cpus', 'memory_mb', 'memory', 'pids_limit', 'allow_internet',
    'network_mode', 'allowed_hosts', 'workdir', 'env', 'healthcheck',
  ],
};

/** Harbor fields pairbench knows and does not honour: what it does instead. */
const NOT_HONOURED: Record<string, (value: unknown) => string | null> = {
  'environment.storage_mb': () => 'pairbench sets no disk limit; the container gets the engine default',
  'environment.storage': () => 'pairbench sets no disk limit; the container gets the engine default',
  'environment.gpus': (v) => (v === 0 ? null : 'pairbench gives containers no GPU; a task that needs one will fail'),
  'environment.gpu_types': () => 'pairbench gives containers no GPU',
  'environment.mcp_servers': (v) =>
    Array.isArray(v) && v.length === 0 ? null : "pairbench's harnesses do not connect to MCP servers; the agent is not told of them",
  'environment.skills_dir': () => 'pairbench copies no skills into any agent configuration',
  'environment.os': (v) => (typeof v === 'string' && v.toLowerCase() === 'linux' ? null : 'pairbench runs Linux containers only'),
};

function allowlistWarning(where: string, section: Table): string | null {
  const mode = section['network_mode'];
  const hosts = section['allowed_hosts'];
  const listed = Array.isArray(hosts) && hosts.length > 0;
  if (mode !== 'allowlist' && !(mode === undefined && listed)) return null;
  return `task.toml [${where}] network_mode "allowlist": pairbench cannot enforce a host allowlist, so this runs with no network`;
}

/** One line per Harbor field this task.toml sets that pairbench does not honour. */
export function harborFieldWarnings(raw: Table): string[] {
  const warnings: string[] = [];
  for (const key of Object.keys(raw)) {
    if (key === 'steps') continue; // a multi-step task is refused by the loader, with its own message
    if (!HONOURED['']!.includes(key)) warnings.push(`task.toml ${key}: not a field pairbench knows (nor Harbor's task schema); ignored`);
  }
  const name = isTable(raw['task']) ? raw['task']['name'] : undefined;
  if (typeof name === 'string' && (!HARBOR_TASK_NAME_PATTERN.test(name) || name.includes('..'))) {
    warnings.push(`task.toml [task] name ${JSON.stringify(name)}: Harbor requires org/name (e.g. name = "local/${name.replace(/[^a-zA-Z0-9._-]/g, '-')}") and would refuse this task; pairbench names tasks by their directory`);
  }
  for (const section of ['task', 'agent', 'verifier', 'solution', 'environment'] as const) {
    const table = raw[section];
    if (!isTable(table)) continue;
    for (const [key, value] of Object.entries(table)) {
      if (HONOURED[section]!.includes(key)) continue;
      const field = `${section}.${key}`;
      const note = NOT_HONOURED[field];
      if (note) {
        const why = note(value);
        if (why) warnings.push(`task.toml [${section}] ${key}: ${why}`);
      } else {
        warnings.push(`task.toml [${section}] ${key}: not a field pairbench honours; ignored`);
      }
    }
    if (section === 'agent' || section === 'verifier' || section === 'environment') {
      const w = allowlistWarning(section, table);
      if (w) warnings.push(w);
    }
  }
  return warnings;
}
