// The tool-calling parts of a chat request: the calls an assistant message made. Tool
// results need nothing special: their content is read like any message's, a string or a
// list of text parts (Qwen Code sends the list).

import type { WireToolCall } from './tokens.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An assistant message's `tool_calls`, or [] when it has none; bad entries are named in `problems`. */
export function readToolCalls(raw: unknown, where: string, problems: string[]): WireToolCall[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.push(`${where}: must be an array`);
    return [];
  }
  const calls: WireToolCall[] = [];
  raw.forEach((c, i) => {
    const fn = isRecord(c) && isRecord(c.function) ? c.function : null;
    if (fn === null || typeof fn.name !== 'string') {
      problems.push(`${where}.${i}.function.name: must be a string`);
      return;
    }
    // Some clients send parsed arguments; the wire form is a JSON string.
    const args = typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {});
    calls.push({ id: isRecord(c) && typeof c.id === 'string' ? c.id : `call_${i}`, name: fn.name, arguments: args });
  });
  return calls;
}
