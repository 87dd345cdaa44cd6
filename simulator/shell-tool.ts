// Finding the shell tool among a request's `tools`, and speaking its schema both ways:
// arguments that fit it for the next command, and the command back out of an earlier call.
// Agents name the tool differently (opencode and pi `bash {command}`, Qwen Code
// `run_shell_command {command}`, Codex `exec_command {cmd}`, Cline `run_commands {commands: []}`),
// so the schema decides, and the name only breaks ties.

export interface ShellTool {
  name: string;
  /** The argument that carries the command, and whether it takes one string or a list. */
  key: string;
  shape: 'string' | 'list';
  /** Other required arguments, filled with plain values of their type. */
  extra: Record<string, unknown>;
}

const COMMAND_KEYS = ['command', 'cmd', 'commands', 'script', 'shell_command'];
const SHELL_NAMES = /^(bash|shell|sh|run_shell_command|exec_command|execute_command|run_command|run_commands|terminal|exec)$/i;

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeOf(schema: unknown): string | null {
  if (!isRecord(schema)) return null;
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.find((x) => x !== 'null') ?? null;
  return null;
}

/** A placeholder that fits a required argument's schema (its default, enum's first, or a plain value). */
function plainValue(schema: unknown, key: string): unknown {
  if (isRecord(schema)) {
    if (schema.default !== undefined) return schema.default;
    if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  }
  switch (typeOf(schema)) {
    case 'boolean':
      return false;
    case 'number':
    case 'integer':
      return 0;
    case 'array':
      return [];
    case 'object':
      return {};
    default:
      return key === 'description' ? 'Run the next step of the plan' : key;
  }
}

function candidate(tool: unknown): (ShellTool & { named: boolean }) | null {
  if (!isRecord(tool)) return null;
  const fn = isRecord(tool.function) ? tool.function : tool; // OpenAI's shape, or a bare function
  if (typeof fn.name !== 'string') return null;
  const params = isRecord(fn.parameters) ? fn.parameters : {};
  const props = isRecord(params.properties) ? params.properties : {};
  const required = Array.isArray(params.required) ? params.required.filter((r): r is string => typeof r === 'string') : [];
  const named = SHELL_NAMES.test(fn.name);
  let key: string | null = null;
  let shape: ShellTool['shape'] = 'string';
  for (const k of COMMAND_KEYS) {
    const t = typeOf(props[k]);
    if (t === 'string' || (t === 'array' && typeOf((props[k] as Json).items) !== 'object')) {
      key = k;
      shape = t === 'string' ? 'string' : 'list';
      break;
    }
  }
  // A tool with one required string argument is a shell when its name says so.
  if (key === null && named) {
    const strings = required.filter((r) => typeOf(props[r]) === 'string');
    if (strings.length === 1) key = strings[0]!;
  }
  if (key === null) return null;
  if (!required.includes(key) && !named) return null;
  const extra: Record<string, unknown> = {};
  for (const r of required) if (r !== key) extra[r] = plainValue(props[r], r);
  return { name: fn.name, key, shape, extra, named };
}

/** The shell tool a request offers, or null; a tool named like a shell wins over one that only looks like one. */
export function findShellTool(tools: unknown): ShellTool | null {
  if (!Array.isArray(tools)) return null;
  const found = tools.map(candidate).filter((c): c is ShellTool & { named: boolean } => c !== null);
  const best = found.find((c) => c.named) ?? found[0];
  if (!best) return null;
  const { named: _named, ...tool } = best;
  return tool;
}

/** Arguments for one command, as the tool's schema wants them (a JSON string, as on the wire). */
export function shellArguments(tool: ShellTool, command: string): string {
  return JSON.stringify({ [tool.key]: tool.shape === 'list' ? [command] : command, ...tool.extra });
}

/** The command an earlier call to the shell tool ran, or null if the call was to another tool. */
export function commandOf(tool: ShellTool, call: { name: string; arguments: string }): string | null {
  if (call.name !== tool.name) return null;
  let args: unknown;
  try {
    args = JSON.parse(call.arguments);
  } catch {
    return null;
  }
  if (!isRecord(args)) return null;
  const v = args[tool.key];
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join('\n');
  return null;
}
