// An installed agent's container reaches the recording proxy and nothing else of the host,
// on Docker and on Podman. A host service listening on all addresses (0.0.0.0 and ::, as a
// user's llama-server started with --host 0.0.0.0 would) is probed from a running trial
// container of a real sweep: at the sweep network's gateway, at the engines' default bridges,
// at the host's own addresses and at the bridge's IPv6 link-local address. Only the proxy
// answers. The firewall rules that make it so are gone after the sweep ends on Ctrl-C
// (Docker) and after `pairbench cleanup` once its runner was killed (Podman).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../core/engine.js';
import { engineBridgeName, sweepBridgeName } from '../../engines/docker/network.js';
import { findGuardRules } from '../../engines/host-guard.js';
import { startSimulatedServer, type SimulatedServer } from '../../simulator/server.js';
import { connectTestEngine, type TestEngine } from './engine-support.js';
import { ROOT, pairbench, sweep, sweepIdOf, trials, workspace, type Workspace } from './sweep-support.js';

const TASKS = path.join(ROOT, 'tasks');

// An agent that writes down where the proxy is and waits: the test probes from its container.
const AGENT_TOML = `description = "waits while the test probes its network"
api = "openai-chat"

[install]
npm = "@mariozechner/pi-coding-agent"
version = "0.73.1"
entry = "node_modules/@mariozechner/pi-coding-agent/dist/cli.js"

[runtime]
kind = "none"

[run]
command = ["bash", "-c", "echo \\"$1\\" > /tmp/pb-base-url; sleep 300", "waiter", "{base_url}", "{instruction}"]
`;

// TCP connects from inside the container, all at once; prints "<target> open|closed" each.
const PROBE = `
import socket, sys, threading
def go(t):
    host, port = t.rsplit(':', 1)
    host = host.strip('[]')
    fam = socket.AF_INET6 if ':' in host else socket.AF_INET
    try:
        addr = socket.getaddrinfo(host, int(port), fam, socket.SOCK_STREAM)[0][4]
        s = socket.socket(fam); s.settimeout(2); s.connect(addr); print(t, 'open')
    except Exception:
        print(t, 'closed')
ts = [threading.Thread(target=go, args=(t,)) for t in sys.argv[1:]]
[t.start() for t in ts]; [t.join() for t in ts]
`;

function cli(kind: TestEngine): string[] {
  return kind === 'docker' ? ['docker'] : ['podman', '--remote', '--url', 'unix:///run/podman/podman.sock'];
}

/** The host's own IPv4 addresses outside the engines' bridges (eth0 and the like). */
function hostAddresses(): string[] {
  return Object.entries(networkInterfaces())
    .filter(([name]) => !/^(lo|docker|br-|cni-|veth|pb|podman)/.test(name))
    .flatMap(([, addrs]) => (addrs ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => a.address));
}

/** Waits for the sweep's trial container to have written the proxy's URL; returns [container, url]. */
async function waitForAgent(kind: TestEngine, sweepId: string): Promise<[string, string]> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const ps = await execa(cli(kind)[0]!, [...cli(kind).slice(1), 'ps', '-q', '--filter', `label=${LABELS.sweep}=${sweepId}`], { reject: false });
    for (const id of ps.stdout.split('\n').filter(Boolean)) {
      const r = await execa(cli(kind)[0]!, [...cli(kind).slice(1), 'exec', id, 'cat', '/tmp/pb-base-url'], { reject: false });
      if (r.exitCode === 0 && r.stdout.startsWith('http://')) return [id, r.stdout.trim()];
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`no trial container of sweep ${sweepId} wrote the proxy's URL`);
}

async function probe(kind: TestEngine, container: string, targets: string[]): Promise<Record<string, boolean>> {
  const r = await execa(cli(kind)[0]!, [...cli(kind).slice(1), 'exec', container, 'python3', '-c', PROBE, ...targets], { reject: false, timeout: 30_000 });
  const out: Record<string, boolean> = {};
  for (const line of r.stdout.split('\n')) {
    const [t, state] = line.split(' ');
    if (t && state) out[t] = state === 'open';
  }
  return out;
}

describe('an installed agent reaches the proxy and nothing else of the host', () => {
  const ws: Record<TestEngine, Workspace | null> = { docker: null, podman: null };
  let sim: SimulatedServer;
  let listener: Server;
  let port: number;
  let agents: string;
  const sweeps: Array<[TestEngine, string]> = [];
  beforeAll(async () => {
    agents = mkdtempSync(path.join(tmpdir(), 'pb-agents-'));
    mkdirSync(path.join(agents, 'waiter'));
    writeFileSync(path.join(agents, 'waiter', 'agent.toml'), AGENT_TOML);
    sim = await startSimulatedServer({ timeScale: 0, tasksDir: TASKS });
    // A host service on every address, IPv4 and IPv6.
    listener = createServer((s) => s.destroy());
    await new Promise<void>((r) => listener.listen({ host: '::', port: 0, ipv6Only: false }, r));
    port = (listener.address() as { port: number }).port;
  });
  afterAll(async () => {
    listener?.close();
    await sim?.close();
    const podman = await connectTestEngine('podman');
    for (const [kind, id] of sweeps) if (kind === 'podman') await podman.removeLeftovers(await podman.findLeftovers({ sweep: id }));
    for (const w of Object.values(ws)) await w?.cleanup();
    rmSync(agents, { recursive: true, force: true });
  });

  it.each(['docker', 'podman'] as const)('on %s', { timeout: 300_000 }, async (kind) => {
    const w = (ws[kind] = workspace());
    const child = pairbench([
      'run', '--db', w.db, '--runs-dir', w.runs, '--tasks-dir', TASKS, '--agents-dir', agents, '--json', '--engine', kind,
      '--harness', 'waiter', '--task', 'fizzbuzz', '--trials', '1',
      '--base-url', sim.url, '--model', 'pairbench-simulated', '--dialect', 'llama-server',
    ]);
    const sweepId = await sweepIdOf(child);
    sweeps.push([kind, sweepId]);
    const [container, baseUrl] = await waitForAgent(kind, sweepId).catch((e: unknown) => {
      child.kill('SIGKILL');
      throw e;
    });
    const proxy = new URL(baseUrl).host;
    const gateway = new URL(baseUrl).hostname;
    const bridge = sweepBridgeName(`pairbench-${sweepId}`);
    // The engine itself says the network's interface is the one the rules name.
    const named = await engineBridgeName((await connectTestEngine(kind)).api, `pairbench-${sweepId}`);
    const linkLocal = (networkInterfaces()[bridge] ?? []).find((a) => a.family === 'IPv6' && a.address.startsWith('fe80'))?.address;
    const others = [gateway, '172.17.0.1', '10.88.0.1', ...hostAddresses()].map((a) => `${a}:${port}`);
    if (linkLocal) others.push(`[${linkLocal}%eth0]:${port}`);
    const reach = await probe(kind, container, [proxy, ...others]);

    // Interrupted (Docker) or killed and cleaned up after (Podman): either way no rule stays.
    if (kind === 'docker') {
      // Ctrl-C twice: stop, then tear the running trial down without its grace period.
      child.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGINT');
    } else child.kill('SIGKILL');
    const ended = await child;
    if (kind === 'podman') {
      const clean = await pairbench(['cleanup', '--engine', 'podman', '--sweep', sweepId]);
      expect(clean.exitCode, clean.all).toBe(0);
      expect(clean.all).toMatch(new RegExp(`removed \\d+ firewall rule\\(s\\) of sweep ${sweepId}`));
    }

    expect(named?.name).toBe(bridge);
    expect(named?.own).toBe(kind === 'podman');
    expect(Object.keys(reach).sort(), JSON.stringify(reach)).toEqual([proxy, ...others].sort());
    expect(reach[proxy], JSON.stringify(reach)).toBe(true);
    expect(Object.entries(reach).filter(([t, open]) => t !== proxy && open), JSON.stringify(reach)).toEqual([]);
    // Root runs this suite: the rules stood, and the store says so.
    expect(JSON.parse(sweep(w.db, sweepId)!.agent_isolation_json ?? 'null'), ended.all).toMatchObject({ enforced: true });
    expect(await findGuardRules({ sweep: sweepId })).toEqual([]);
    const nets = await execa(cli(kind)[0]!, [...cli(kind).slice(1), 'network', 'ls', '--format', '{{.Name}}']);
    expect(nets.stdout.split('\n')).not.toContain(`pairbench-${sweepId}`);
    expect(networkInterfaces()[bridge], `bridge ${bridge}`).toBeUndefined();
  });
});

describe('a host where the IPv4 rules cannot be set', () => {
  let dir: string;
  let agents: string;
  let sim: SimulatedServer;
  beforeAll(async () => {
    sim = await startSimulatedServer({ timeScale: 0, tasksDir: TASKS });
    dir = mkdtempSync(path.join(tmpdir(), 'pb-iptables-'));
    // iptables as on a host whose INPUT chain refuses new rules: the FORWARD rules go in first, for real.
    const real = (await execa('sh', ['-c', 'command -v iptables'])).stdout.trim();
    writeFileSync(
      path.join(dir, 'iptables'),
      `#!/bin/sh\ncase " $* " in *" -I INPUT "*) echo "iptables: No chain/target/match by that name." >&2; exit 1 ;; esac\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
    agents = mkdtempSync(path.join(tmpdir(), 'pb-agents-'));
    mkdirSync(path.join(agents, 'waiter'));
    writeFileSync(path.join(agents, 'waiter', 'agent.toml'), AGENT_TOML);
  });
  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (agents) rmSync(agents, { recursive: true, force: true });
  });

  it.each(['docker', 'podman'] as const)('on %s: the sweep refuses with PB_NETWORK_UNGUARDED, runs no trial and leaves no rule or network', { timeout: 120_000 }, async (kind) => {
    const w = workspace();
    try {
      const ended = await pairbench(
        [
          'run', '--db', w.db, '--runs-dir', w.runs, '--tasks-dir', TASKS, '--agents-dir', agents, '--json', '--engine', kind,
          '--harness', 'waiter', '--task', 'fizzbuzz', '--trials', '1',
          '--base-url', sim.url, '--model', 'pairbench-simulated', '--dialect', 'llama-server',
        ],
        { PATH: `${dir}:${process.env.PATH ?? ''}` },
      );
      expect(ended.exitCode, ended.all).not.toBe(0);
      expect(ended.all).toContain('the sweep stopped (PB_NETWORK_UNGUARDED): cannot set IPv4 firewall rules');
      expect(ended.all).toContain('iptables: No chain/target/match by that name. pairbench refuses to run installed agents unguarded');
      const sweepId = /"sweepId":"([^"]+)"/.exec(ended.all)?.[1];
      expect(sweepId, ended.all).toBeDefined();
      // The store says why the sweep stopped, and that no trial ran.
      expect(sweep(w.db, sweepId!)).toMatchObject({ status: 'failed', error_code: 'PB_NETWORK_UNGUARDED', error_message: expect.stringContaining('cannot set IPv4 firewall rules') });
      expect(trials(w.db, sweepId)).toEqual([]);
      // The FORWARD rules that went in were taken back, and the network is gone.
      expect(await findGuardRules({ sweep: sweepId! })).toEqual([]);
      const nets = await execa(cli(kind)[0]!, [...cli(kind).slice(1), 'network', 'ls', '--format', '{{.Name}}']);
      expect(nets.stdout.split('\n')).not.toContain(`pairbench-${sweepId}`);
    } finally {
      await w.cleanup();
    }
  });
});
