// The three shipped agents (opencode, Qwen Code, pi), installed by the same code path a
// user's sweep takes (once per machine, into the agent cache), run through the real CLI on
// the three seed tasks in one sweep against the simulated server at time-scale 0, with pi
// a second time as pi-cache (prefix reuse off). Each passes, and every model call is a turn
// row recorded by the proxy with time to first token, prompt and cached tokens. While the
// trials run, their containers are inspected: the user's API key is in no container's
// environment, processes or files, and a container reaches the proxy and nothing else that
// listens. Nor does the key reach the store, the trial directories or the reports.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../core/engine.js';
import { startSimulatedServer, type SimulatedServer } from '../../simulator/server.js';
import { ROOT, pairbench, sweepIdOf, trials, workspace, type Workspace } from './sweep-support.js';

const TASKS = path.join(ROOT, 'tasks');
const SEEDS = ['fizzbuzz', 'word-count', 'git-init'];
const HARNESSES = ['pi', 'pi-cache', 'opencode', 'qwen'];
const SECRET = `sk-user-${process.pid}-${Date.now().toString(36)}-never-in-a-container`;
const AGENT_HOME = '/tmp/pairbench-agent-home';

interface TurnRow {
  trial_id: string;
  turn_index: number;
  ttft_ms: number | null;
  prompt_tokens: number | null;
  cached_tokens: number | null;
  tool_calls: number | null;
  tool_names: string | null;
}

function turnsOf(db: string, trialId: string): TurnRow[] {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return conn.prepare('SELECT * FROM turns WHERE trial_id = ? ORDER BY turn_index').all(trialId) as TurnRow[];
  } finally {
    conn.close();
  }
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** What was seen inside a trial's container while its agent ran. */
interface Look {
  container: string;
  /** The container's configured environment, as the engine reports it. */
  env: string;
  /** Every process's environment and command line, and a tar of the writable places. */
  inside: Buffer;
  agentRunning: boolean;
}

const docker = (args: string[]) => execa('docker', args, { reject: false, encoding: 'buffer', timeout: 30_000 });

/** One look into a running container; the key is searched for on this side, never sent in. */
async function look(id: string): Promise<Look | null> {
  const env = await docker(['inspect', '-f', '{{json .Config.Env}}', id]);
  if (env.exitCode !== 0) return null;
  const procs = await docker(['exec', id, 'sh', '-c', 'cat /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null; true']);
  const files = await docker(['exec', id, 'tar', '-c', '-f', '-', '--ignore-failed-read', '/tmp', '/app', '/root', '/etc', '/logs']);
  if (procs.exitCode !== 0 || files.stdout.length === 0) return null;
  const tar = Buffer.from(files.stdout);
  const inside = Buffer.concat([Buffer.from(procs.stdout), tar]);
  // The trial's own key (in the agent's config or environment) shows its agent was set up.
  return { container: id, env: Buffer.from(env.stdout).toString(), inside, agentRunning: inside.includes('pbk-') && tar.includes(AGENT_HOME.slice(1)) };
}

/** TCP connects from inside the container: true where something answered. */
async function reachable(id: string, targets: string[]): Promise<Record<string, boolean>> {
  // All at once: the container may end with its trial.
  const script = 'for a in "$@"; do ( if timeout 3 bash -c "exec 3<>/dev/tcp/${a%:*}/${a##*:}" 2>/dev/null; then echo "$a open"; else echo "$a closed"; fi ) & done; wait';
  const r = await execa('docker', ['exec', id, 'bash', '-c', script, 'probe', ...targets], { reject: false, timeout: 60_000 });
  const out: Record<string, boolean> = {};
  for (const line of r.stdout.split('\n')) {
    const [addr, state] = line.split(' ');
    if (addr && state) out[addr] = state === 'open';
  }
  return out;
}

/** Least-squares slope of y over x. */
/**
 * The Theil-Sen slope: the median of the slopes between every two points. One call that met
 * an evicted slot (a cold prompt where the cache was on, as slots are shared by the trials
 * running side by side) moves it little, where it would tip a least-squares fit.
 */
function slope(points: Array<[number, number]>): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const [xi, yi] = points[i]!;
      const [xj, yj] = points[j]!;
      if (xj !== xi) slopes.push((yj - yi) / (xj - xi));
    }
  }
  slopes.sort((a, b) => a - b);
  const mid = slopes.length >> 1;
  return slopes.length % 2 === 1 ? slopes[mid]! : (slopes[mid - 1]! + slopes[mid]!) / 2;
}

/**
 * Per model call of a trial, in turn order: its prompt's depth in tokens and the server's
 * prompt_ms, both from the call's own reply entry in the proxy's transcript (replies are
 * written as calls end, which is not turn order when an agent's calls overlap).
 */
function serverPromptMs(trialDir: string): Array<[number, number]> {
  return readFileSync(path.join(trialDir, 'transcript.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { type: string; turn: number; telemetry?: { prompt_tokens?: number }; serverTimings?: { prompt_ms?: number } })
    .filter((e) => e.type === 'reply')
    .sort((a, b) => a.turn - b.turn)
    .map((e): [number, number] => [e.telemetry!.prompt_tokens!, e.serverTimings!.prompt_ms!]);
}

describe('installed agents on the seed tasks', () => {
  let ws: Workspace;
  let sim: SimulatedServer;
  beforeAll(async () => {
    ws = workspace();
    process.env.PB_E2E_USER_KEY = SECRET;
    // More slots than concurrent trials, as a llama-server would be run for agents side by side:
    // a new conversation takes the least recently used, never a running trial's cache.
    sim = await startSimulatedServer({ timeScale: 0, tasksDir: TASKS, slots: 4 });
  });
  afterAll(async () => {
    await sim?.close();
    await ws?.cleanup();
  });

  it('each agent passes each seed task through the proxy, every model call a turn row; the key stays out', { timeout: 1_800_000 }, async () => {
    // A remote endpoint with a key, so the proxy has a user secret to keep out of reach.
    const child = pairbench([
      'run', '--db', ws.db, '--runs-dir', ws.runs, '--tasks-dir', TASKS, '--json',
      '--harness', ...HARNESSES, '--task', ...SEEDS, '--trials', '1', '--concurrency', '2',
      '--base-url', sim.url, '--model', 'pairbench-simulated', '--dialect', 'llama-server', '--api-key-env', 'PB_E2E_USER_KEY',
    ]);
    const sweepId = await sweepIdOf(child);

    // While it runs: look into each trial container once its agent is running.
    const looks: Look[] = [];
    const envs = new Map<string, string>();
    let probe: { from: string; result: Record<string, boolean>; proxy: string } | null = null;
    let running = true;
    const listed = async (): Promise<string[]> =>
      (await execa('docker', ['ps', '-q', '--no-trunc', '--filter', `label=${LABELS.sweep}=${sweepId}`], { reject: false })).stdout.split('\n').filter((s) => s !== '');
    // Every container's configured environment, polled often so a short trial cannot slip by.
    const envWatch = (async () => {
      while (running) {
        const fresh = (await listed()).filter((id) => !envs.has(id));
        const r = fresh.length === 0 ? null : await execa('docker', ['inspect', '-f', '{{.Id}} {{json .Config.Env}}', ...fresh], { reject: false });
        for (const line of r?.stdout.split('\n') ?? []) {
          const sp = line.indexOf(' ');
          if (sp > 0) envs.set(line.slice(0, sp), line.slice(sp + 1));
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    // A closer look (processes, files, the network) into each once its agent is set up.
    const watching = (async () => {
      const done = new Set<string>();
      while (running) {
        for (const id of (await listed()).filter((s) => !done.has(s))) {
          const seen = await look(id);
          if (seen === null || !seen.agentRunning) continue;
          done.add(id);
          looks.push(seen);
          if (probe === null) {
            // The proxy's address as the agent was given it; the simulator listens on the host too.
            const m = /http:\/\/(\d+\.\d+\.\d+\.\d+):(\d+)\/v1/.exec(seen.inside.toString('latin1'));
            if (m) {
              const [, gw, port] = m;
              const simPort = new URL(sim.url).port;
              const proxy = `${gw}:${port}`;
              const targets = [proxy, `${gw}:${simPort}`, `127.0.0.1:${simPort}`, '1.1.1.1:80', '8.8.8.8:53'];
              const result = await reachable(id, targets);
              // Only a full answer counts; a container that ended mid-probe leaves it to the next.
              if (Object.keys(result).length === targets.length) probe = { from: id, proxy, result };
            }
          }
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const result = await child;
    running = false;
    await Promise.all([watching, envWatch]);
    expect(result.exitCode, result.all).toBe(0);

    const rows = trials(ws.db, sweepId);
    expect(rows).toHaveLength(HARNESSES.length * SEEDS.length);
    for (const t of rows) {
      expect(t.status, `${t.harness} on ${t.task}: ${t.error_message}`).toBe('pass');
      const turns = turnsOf(ws.db, t.id);
      expect(turns.length, `${t.harness} on ${t.task}`).toBeGreaterThan(0);
      expect(t.turns).toBe(turns.length);
      for (const r of turns) {
        expect(r.ttft_ms, `${t.harness} turn ${r.turn_index}`).toBeGreaterThan(0);
        expect(r.prompt_tokens).toBeGreaterThan(0);
        expect(r.cached_tokens).not.toBeNull();
        expect(r.tool_calls).not.toBeNull();
      }
      // The shell calls ran the solution; the last call ended it with a plain message.
      expect(turns.filter((r) => (r.tool_calls ?? 0) > 0).length).toBeGreaterThan(0);
      expect(turns.at(-1)!.tool_calls).toBe(0);
      expect(readFileSync(path.join(t.trial_dir!, 'agent.log'), 'utf8')).toContain(`$ ${t.harness.replace(/-cache$/, '')}`);
    }

    // pi against pi-cache: with prefix reuse off nothing is served from cache, and the
    // server's prompt time (deterministic in the simulator) grows with depth far faster.
    const share = (h: string) => {
      const all = rows.filter((t) => t.harness === h).flatMap((t) => turnsOf(ws.db, t.id));
      return all.reduce((s, r) => s + r.cached_tokens!, 0) / all.reduce((s, r) => s + r.prompt_tokens!, 0);
    };
    expect(share('pi')).toBeGreaterThan(0.5);
    expect(share('pi-cache')).toBeLessThan(0.01);
    const byDepth = (h: string): Array<[number, number]> => {
      const t = rows.find((r) => r.harness === h && r.task === 'git-init')!;
      // From the second call on: the first is a cold prompt either way.
      return serverPromptMs(t.trial_dir!).slice(1);
    };
    const [warm, cold] = [slope(byDepth('pi')), slope(byDepth('pi-cache'))];
    // Cache off, every token of depth is prefilled again: the simulator's 1,150 tokens/s is
    // 0.87 ms a token. Cache on, only what each turn adds.
    const slopes = `server prompt ms per token of depth: pi ${warm.toFixed(3)}, pi-cache ${cold.toFixed(3)}`;
    expect(cold, slopes).toBeGreaterThan(0.5);
    expect(cold, slopes).toBeGreaterThan(5 * warm);

    // Every trial container was seen, and looked into once its agent was set up.
    expect(envs.size).toBe(rows.length);
    for (const [id, env] of envs) expect(env.includes(SECRET), `container ${id} environment`).toBe(false);
    expect(looks.length).toBeGreaterThan(0);
    for (const l of looks) expect(l.inside.includes(SECRET), `inside container ${l.container}`).toBe(false);
    // From a trial container: the proxy answers; the simulator's port on the host, the
    // container's own loopback and the internet do not.
    expect(probe, 'no trial container was probed').not.toBeNull();
    const { proxy, result: reach } = probe!;
    expect(reach[proxy], JSON.stringify(reach)).toBe(true);
    expect(Object.entries(reach).filter(([a, open]) => a !== proxy && open)).toEqual([]);
    expect(Object.keys(reach)).toHaveLength(5);

    // The user's key reached the serving layer's side only.
    expect(readFileSync(ws.db).includes(SECRET)).toBe(false);
    for (const f of filesUnder(ws.runs)) expect(readFileSync(f).includes(SECRET), f).toBe(false);
    const report = await pairbench(['report', '--db', ws.db, '--sweep', sweepId]);
    expect(report.exitCode, report.all).toBe(0);
    expect(report.all).not.toContain(SECRET);
    for (const h of HARNESSES) expect(report.all).toContain(`| ${h} |`);
    expect(report.all).toContain('pi-cache (an installed agent): prefix cache off (cache_prompt: false) reached the server in every request.');
    expect(report.all).not.toMatch(/^- pi \(an installed agent\)/m);
    // What the stored turns show the server did with the lever: nothing cached.
    expect(report.all).toMatch(/^- pi-cache levers, asked \/ applied: prefix cache off \/ applied \(cached tokens in 0 of \d+ answers\)\.$/m);
    expect(report.all).not.toMatch(/^- pi levers/m);
    // Where the wall goes: each agent's run splits into its model calls and its own time.
    const wall = report.all.slice(report.all.indexOf('## Where the wall goes')).split('\n').filter((l) => l.startsWith('|'));
    const col = wall[0]!.split('|').map((c) => c.trim()).indexOf("agent's own");
    expect(col).toBeGreaterThan(0);
    for (const h of HARNESSES) {
      const own = wall.find((l) => l.startsWith(`| ${h} |`))!.split('|')[col]!.trim();
      expect(own, `${h}: ${own}`).toMatch(/^\d.* s \(\d+%\)$/);
    }
  });
});
