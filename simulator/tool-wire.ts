// Tool calls on the wire, in the shapes llama-server and the agent CLIs exchange: streamed,
// a call opens with its index, id, type and name and empty arguments, the arguments follow
// in fragments, and the stream ends with finish_reason "tool_calls"; whole, the message
// carries `tool_calls` beside a null content.

import type { WireToolCall } from './tokens.js';

/** Characters of arguments per streamed fragment. */
const ARGUMENT_FRAGMENT_CHARS = 24;

export interface ToolCallDelta {
  tool_calls: Array<{
    index: number;
    id?: string;
    type?: 'function';
    function: { name?: string; arguments: string };
  }>;
}

/** The deltas that stream a reply's calls: an opening delta per call, then its argument fragments. */
export function toolCallDeltas(calls: readonly WireToolCall[]): ToolCallDelta[] {
  const out: ToolCallDelta[] = [];
  calls.forEach((call, index) => {
    out.push({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] });
    for (let i = 0; i < call.arguments.length; i += ARGUMENT_FRAGMENT_CHARS) {
      out.push({ tool_calls: [{ index, function: { arguments: call.arguments.slice(i, i + ARGUMENT_FRAGMENT_CHARS) } }] });
    }
  });
  return out;
}

/** The `tool_calls` of a whole (non-streamed) assistant message. */
export function toolCallsMessage(calls: readonly WireToolCall[]): Array<Record<string, unknown>> {
  return calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
}
