// The host side of a sweep network's isolation. An internal network keeps its containers off
// the internet, but the host holds an address on the network's bridge (its gateway), and
// every host service listening on all addresses (0.0.0.0 or ::: a llama-server, sshd) answers
// there and at the host's other addresses. pairbench's firewall rules on that bridge let
// through TCP to the recording proxy's port and drop the rest, IPv4 and IPv6, in and through
// the host. Each rule carries a comment naming its sweep and runner, so `pairbench cleanup`
// finds what a killed runner left.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { NetworkGuard } from '../core/engine.js';
import { ERROR_CODES, PairbenchError, errorMessage } from '../core/errors.js';

const run = promisify(execFile);

/** What installing the rules does to the host: a seam, so the failure paths can be tested. */
export interface GuardHost {
  run(tool: FirewallTool, args: string[]): Promise<unknown>;
  /** IPv6 is off on the bridge (or on the host): it carries no IPv6, so needs no IPv6 rule. */
  ipv6Off(bridge: string): boolean;
}

const realHost: GuardHost = {
  run: (tool, args) => run(tool, args),
  ipv6Off(bridge) {
    if (!existsSync('/proc/sys/net/ipv6')) return true;
    // A bridge the engine makes only when a container joins (netavark) takes the default's setting.
    for (const conf of [bridge, 'default']) {
      try {
        return readFileSync(`/proc/sys/net/ipv6/conf/${conf}/disable_ipv6`, 'utf8').trim() === '1';
      } catch {
        // not there yet: the next
      }
    }
    return false;
  },
};

const TAG = 'pairbench:sweep=';

export type FirewallTool = 'iptables' | 'ip6tables';

export interface GuardRule {
  tool: FirewallTool;
  /** Without the action: `-A`/`-I` or `-D` goes in front. */
  chain: 'INPUT' | 'FORWARD';
  spec: string[];
}

export interface GuardTarget {
  /** The network's bridge on this host. */
  bridge: string;
  /** The host's address on it, where the proxy listens. */
  gateway: string;
  port: number;
  sweepId: string;
  /** host/pid/start of the runner, as the containers' runner label says. */
  runner: string;
}

export function guardComment(sweepId: string, runner: string): string {
  return `${TAG}${sweepId}:runner=${runner}`;
}

/**
 * The rules, in the order to insert each at the top of its chain: the proxy's accept is
 * inserted last, so it stands above the drops.
 */
export function guardRules(t: GuardTarget): GuardRule[] {
  const c = ['-m', 'comment', '--comment', guardComment(t.sweepId, t.runner)];
  const rules: GuardRule[] = [];
  for (const tool of ['iptables', 'ip6tables'] as const) {
    // Nothing from the bridge is routed on (other networks, the internet), nor to it.
    rules.push({ tool, chain: 'FORWARD', spec: ['-i', t.bridge, ...c, '-j', 'DROP'] });
    rules.push({ tool, chain: 'FORWARD', spec: ['-o', t.bridge, ...c, '-j', 'DROP'] });
    // Nothing from the bridge reaches the host itself, on any of its addresses.
    rules.push({ tool, chain: 'INPUT', spec: ['-i', t.bridge, ...c, '-j', 'DROP'] });
  }
  rules.push({ tool: 'iptables', chain: 'INPUT', spec: ['-i', t.bridge, '-p', 'tcp', '-d', t.gateway, '--dport', String(t.port), ...c, '-j', 'ACCEPT'] });
  return rules;
}

/** Why pairbench cannot set firewall rules here, or null when it can try. */
export function guardUnavailable(o: { localEngine: boolean; uid: number | null }): string | null {
  if (!o.localEngine) return 'the engine is not on this host (its firewall is not pairbench\'s to set)';
  if (o.uid !== 0) return 'pairbench is not running as root (setting firewall rules needs it)';
  return null;
}

/**
 * A sweep network's guard. Where firewall rules are not pairbench's to set (a remote engine,
 * not root), nothing stands and the detail says why, for the sweep to warn and record; where
 * they are and cannot be set, PB_NETWORK_UNGUARDED: never an unguarded run that could have been guarded.
 */
export async function guardSweepNetwork(
  o: { localEngine: boolean; uid: number | null; network: { name: string; bridge: string | null; gateway: string }; port: number; sweepId: string; runner: string },
  host: GuardHost = realHost,
): Promise<NetworkGuard> {
  const why = guardUnavailable(o);
  if (why !== null) return { enforced: false, detail: why, release: () => Promise.resolve() };
  const { bridge, gateway, name } = o.network;
  if (bridge === null) {
    throw new PairbenchError(
      ERROR_CODES.NETWORK_UNGUARDED,
      `cannot guard the sweep's network ${name}: pairbench does not know its bridge, so no firewall rule can name it. pairbench refuses to run installed agents unguarded: run them on Docker, or on Podman with its CNI or netavark bridge driver`,
    );
  }
  const g = await installGuard({ bridge, gateway, port: o.port, sweepId: o.sweepId, runner: o.runner }, host);
  const v6 = g.ipv6 ? '' : ' (IPv4; the bridge carries no IPv6)';
  return { enforced: true, detail: `firewall rules on ${bridge}${v6}: TCP to ${gateway}:${o.port} only`, release: g.release };
}

export interface InstalledGuard {
  /** False when the bridge carries no IPv6, so only IPv4 rules stand. */
  ipv6: boolean;
  /** Rejects, in one line, when a rule could not be removed (one already gone is fine). */
  release(): Promise<void>;
}

/**
 * Inserts the rules, IPv4 first. Either family failing is PB_NETWORK_UNGUARDED, with what was
 * set taken back: IPv4 unguarded leaves the host's services open to the containers, and IPv4
 * guarded alone would look enforced while the host answers over IPv6. IPv6 rules are needed
 * only where the bridge carries IPv6 (its link-local address answers containers on it).
 */
export async function installGuard(t: GuardTarget, host: GuardHost = realHost): Promise<InstalledGuard> {
  const set: GuardRule[] = [];
  const insert = async (tool: FirewallTool): Promise<void> => {
    for (const r of guardRules(t).filter((r) => r.tool === tool)) {
      await host.run(r.tool, ['-w', '5', '-I', r.chain, '1', ...r.spec]);
      set.push(r);
    }
  };
  const refuse = async (what: string, e: unknown, fix: string): Promise<never> => {
    const left = stayingRules(t.bridge, await removeRules(set, host));
    throw new PairbenchError(
      ERROR_CODES.NETWORK_UNGUARDED,
      `cannot set ${what}: ${commandError(e)}. pairbench refuses to run installed agents unguarded: ${fix}${left ? `; besides, ${left}` : ''}`,
      { cause: e },
    );
  };
  try {
    await insert('iptables');
  } catch (e) {
    await refuse(`IPv4 firewall rules on ${t.bridge}`, e, 'install iptables (Debian: apt-get install iptables) and check that `iptables -w 5 -S` runs here as root');
  }
  const ipv6 = !host.ipv6Off(t.bridge);
  if (ipv6) {
    try {
      await insert('ip6tables');
    } catch (e) {
      await refuse(
        `IPv6 firewall rules on ${t.bridge}, which carries IPv6`,
        e,
        'install ip6tables (Debian: apt-get install iptables), or turn IPv6 off for new interfaces (sysctl -w net.ipv6.conf.default.disable_ipv6=1)',
      );
    }
  }
  return {
    ipv6,
    release: async () => {
      const left = stayingRules(t.bridge, await removeRules(set, host));
      if (left) throw new Error(left);
    },
  };
}

/** Rules that could not be removed, said on one line; '' when none. */
function stayingRules(bridge: string, problems: string[]): string {
  if (problems.length === 0) return '';
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return `could not remove ${problems.length} firewall rule(s) on ${bridge}: ${problems[0]}${more}; \`pairbench cleanup\` removes them once this run has ended`;
}

export interface LeftoverGuardRule extends GuardRule {
  sweep: string;
  runner: string;
}

/** pairbench's rules on this host (all, or one sweep's); none where iptables cannot be read. */
export async function findGuardRules(filter: { sweep?: string } = {}): Promise<LeftoverGuardRule[]> {
  const out: LeftoverGuardRule[] = [];
  for (const tool of ['iptables', 'ip6tables'] as const) {
    let text: string;
    try {
      text = (await run(tool, ['-w', '5', '-S'])).stdout;
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const rule = parseRuleLine(tool, line);
      if (rule && (filter.sweep === undefined || rule.sweep === filter.sweep)) out.push(rule);
    }
  }
  return out;
}

/** One line of `iptables -S`, when it is a rule of pairbench's. */
export function parseRuleLine(tool: FirewallTool, line: string): LeftoverGuardRule | null {
  const m = /^-A (INPUT|FORWARD) (.*)$/.exec(line.trim());
  if (!m || !m[2]!.includes(TAG)) return null;
  // The comment has no spaces; iptables prints it quoted.
  const spec = m[2]!.split(' ').map((w) => w.replace(/^"(.*)"$/, '$1'));
  const comment = spec.find((w) => w.startsWith(TAG))!;
  const tag = /^pairbench:sweep=([^:]+):runner=(.*)$/.exec(comment);
  if (!tag) return null;
  return { tool, chain: m[1] as 'INPUT' | 'FORWARD', spec, sweep: tag[1]!, runner: tag[2]! };
}

/** Deletes each rule; returns the problems (a rule already gone is not one). */
export async function removeRules(rules: readonly GuardRule[], host: Pick<GuardHost, 'run'> = realHost): Promise<string[]> {
  const failed: string[] = [];
  for (const r of rules) {
    try {
      await host.run(r.tool, ['-w', '5', '-D', r.chain, ...r.spec]);
    } catch (e) {
      const msg = commandError(e);
      if (!/does a matching rule exist|Bad rule|No chain\/target\/match/i.test(msg)) failed.push(`${r.tool} ${r.chain} ${r.spec.join(' ')}: ${msg}`);
    }
  }
  return failed;
}

/**
 * Gives the host an address on a bridge that the engine left without one (Podman's internal
 * networks under CNI): the bridge is made here first, and the engine's plugin adopts it.
 */
export async function giveBridgeAddress(bridge: string, cidr: string): Promise<void> {
  try {
    await run('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']);
    await run('ip', ['addr', 'add', cidr, 'dev', bridge]);
    await run('ip', ['link', 'set', bridge, 'up']);
  } catch (e) {
    await run('ip', ['link', 'del', bridge]).catch(() => undefined);
    throw new Error(`cannot give the host ${cidr} on bridge ${bridge}: ${commandError(e)}`);
  }
}

/** Deletes a bridge pairbench made (giveBridgeAddress); quiet when it is gone, says why when it stays. */
export async function dropBridge(bridge: string): Promise<void> {
  if (!existsSync(`/sys/class/net/${bridge}`)) return;
  try {
    await run('ip', ['link', 'del', bridge]);
  } catch (e) {
    if (existsSync(`/sys/class/net/${bridge}`)) throw new Error(`ip link del ${bridge}: ${commandError(e)}`);
  }
}

function commandError(e: unknown): string {
  const err = e as { stderr?: string; code?: string | number };
  if (err.code === 'ENOENT') return 'the command is not installed';
  // Its own closing full stop goes: the sentence it is quoted in goes on after it.
  return ((err.stderr ?? '').trim() || errorMessage(e)).replace(/\.+$/, '');
}
