// An installed agent as a harness: its CLI runs inside the trial container as the task's
// agent user, in its working directory, under the agent timeout, with its config written
// from the agent's templates. Its model calls go to the recording proxy, which makes the
// turn rows; this harness only starts the CLI and keeps what it printed in agent.log.

import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { AGENT_MOUNTS, type AgentDefinition, type AgentTemplateValues } from '../../core/agent.js';
import { ERROR_CODES, PairbenchError } from '../../core/errors.js';
import type { HarnessSpec } from '../../core/harness.js';
import type { Harness, HarnessContext, HarnessResult } from '../types.js';
import { fill } from './template.js';

export const AGENT_LOG_FILE = 'agent.log';
const PATH = `${path.posix.dirname(AGENT_MOUNTS.node)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
const MAX_AGENT_OUTPUT_BYTES = 8 * 1024 * 1024;

/** The task's agent user and working directory (Harbor's [agent] user, [environment] workdir); null where the task says none. */
export function agentPlacement(raw: Record<string, unknown>): { user: string; workdir: string | null } {
  const table = (k: string): Record<string, unknown> => (typeof raw[k] === 'object' && raw[k] !== null ? (raw[k] as Record<string, unknown>) : {});
  const user = table('agent').user;
  const workdir = table('environment').workdir;
  return { user: typeof user === 'string' && user !== '' ? user : 'root', workdir: typeof workdir === 'string' && workdir !== '' ? workdir : null };
}

export class InstalledAgentHarness implements Harness {
  readonly needsModel = true;
  readonly definition: AgentDefinition;

  constructor(readonly spec: HarnessSpec) {
    if (!spec.agent) throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, `harness "${spec.name}" names no installed agent`);
    this.definition = spec.agent;
  }

  async run(ctx: HarnessContext): Promise<HarnessResult> {
    const endpoint = ctx.agentEndpoint;
    if (!endpoint) {
      throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, `agent ${this.definition.name} needs the recording proxy, but the trial has none`, { outcome: 'serving_failed' });
    }
    const def = this.definition;
    const placement = agentPlacement(ctx.task.raw);
    const user = placement.user;
    // Without a task workdir, the image's; never / itself, where CLIs that index their
    // working directory (Qwen Code) would walk the whole filesystem: its home instead.
    const imageDir = placement.workdir === null ? (await ctx.container.exec(['pwd'])).stdout.trim() : '';
    const workdir = placement.workdir ?? (imageDir !== '' && imageDir !== '/' ? imageDir : AGENT_MOUNTS.home);
    const values: AgentTemplateValues = {
      instruction: ctx.task.instruction,
      base_url: endpoint.baseUrl,
      model: endpoint.model,
      api_key: endpoint.key,
      home: AGENT_MOUNTS.home,
      install: AGENT_MOUNTS.install,
      entry: path.posix.join(AGENT_MOUNTS.install, def.install.entry),
      node: AGENT_MOUNTS.node,
      workdir,
    };
    const log = path.join(ctx.trialDir, AGENT_LOG_FILE);
    if (ctx.signal.aborted) return { stop: 'agent_timeout', turns: 0 };

    // A writable home owned by the agent user: every CLI keeps state there.
    const home = await ctx.container.exec(['sh', '-c', 'mkdir -p "$1" && chown "$2" "$1"', 'sh', AGENT_MOUNTS.home, user]);
    if (home.exitCode !== 0) throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `could not make the agent's home: ${home.stderr.trim()}`, { outcome: 'container_failed' });
    for (const f of def.files) {
      const target = fill(f.path, values);
      const content = fill(f.content, values, target.endsWith('.json') ? 'json' : 'none');
      const wrote = await ctx.container.exec(['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'sh', target], { user, stdin: content });
      if (wrote.exitCode !== 0) throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `could not write ${target} for agent ${def.name}: ${wrote.stderr.trim()}`, { outcome: 'container_failed' });
    }
    const env: Record<string, string> = { HOME: AGENT_MOUNTS.home, PATH };
    for (const [k, v] of Object.entries(def.env)) env[k] = fill(v, values);
    const argv = def.command.map((a) => fill(a, values));
    ctx.transcript({ type: 'start', harness: this.spec.name, agent: def.name, package: `${def.install.npm}@${def.install.version}`, user, workdir, levers: this.spec.proxyLevers ?? null });

    const timeoutMs = ctx.task.config.agent.timeoutSec * 1000;
    const result = await ctx.container.exec(argv, { env, user, workdir, timeoutMs, maxOutputBytes: MAX_AGENT_OUTPUT_BYTES });
    appendFileSync(log, `$ ${def.name} (exit ${result.exitCode ?? 'killed'}, ${Math.round(result.durationMs)} ms${result.timedOut ? ', timed out' : ''})\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}\n`);
    ctx.transcript({ type: 'exit', agent: def.name, exitCode: result.exitCode, timedOut: result.timedOut, durationMs: result.durationMs, truncated: result.truncated });
    const stop = result.timedOut || ctx.signal.aborted ? 'agent_timeout' : 'done';
    ctx.transcript({ type: 'stop', stop });
    // The proxy counts the model calls; the sweep takes the trial's turn count from it.
    return { stop, turns: 0 };
  }
}
