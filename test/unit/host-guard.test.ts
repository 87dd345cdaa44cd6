// The firewall rules that keep a sweep network's containers from the host's services, as
// planned (pure), and as `pairbench cleanup` reads them back from `iptables -S`.

import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../core/errors.js';
import { guardComment, guardRules, guardUnavailable, installGuard, parseRuleLine, type FirewallTool, type GuardHost } from '../../engines/host-guard.js';

const target = { bridge: 'pb0123456789ab', gateway: '172.30.0.1', port: 41234, sweepId: 'sw-20261130-1', runner: 'h/12/99' };

describe('host guard rules', () => {
  it('let in TCP to the proxy only, above drops of everything else in and through, IPv4 and IPv6', () => {
    const rules = guardRules(target);
    // Each is inserted at the top: the last inserted stands first.
    const last = rules.at(-1)!;
    expect(last).toMatchObject({ tool: 'iptables', chain: 'INPUT' });
    expect(last.spec).toEqual(expect.arrayContaining(['-i', 'pb0123456789ab', '-p', 'tcp', '-d', '172.30.0.1', '--dport', '41234', 'ACCEPT']));
    const drops = rules.slice(0, -1);
    expect(drops.every((r) => r.spec.at(-1) === 'DROP')).toBe(true);
    for (const tool of ['iptables', 'ip6tables']) {
      expect(drops.filter((r) => r.tool === tool).map((r) => `${r.chain} ${r.spec.slice(0, 2).join(' ')}`).sort()).toEqual([
        'FORWARD -i pb0123456789ab',
        'FORWARD -o pb0123456789ab',
        'INPUT -i pb0123456789ab',
      ]);
    }
    for (const r of rules) expect(r.spec).toContain(guardComment(target.sweepId, target.runner));
  });

  it('are read back from iptables -S with their sweep and runner, and nothing else is', () => {
    const line = `-A INPUT -d 172.30.0.1/32 -i pb0123456789ab -p tcp -m tcp --dport 41234 -m comment --comment "${guardComment('sw-1', 'h/12/99')}" -j ACCEPT`;
    expect(parseRuleLine('iptables', line)).toEqual({
      tool: 'iptables',
      chain: 'INPUT',
      spec: ['-d', '172.30.0.1/32', '-i', 'pb0123456789ab', '-p', 'tcp', '-m', 'tcp', '--dport', '41234', '-m', 'comment', '--comment', 'pairbench:sweep=sw-1:runner=h/12/99', '-j', 'ACCEPT'],
      sweep: 'sw-1',
      runner: 'h/12/99',
    });
    expect(parseRuleLine('iptables', '-A FORWARD -i docker0 -o docker0 -j ACCEPT')).toBeNull();
    expect(parseRuleLine('iptables', '-A CNI-FORWARD -m comment --comment "pairbench:sweep=x:runner=y" -j DROP')).toBeNull();
  });

  it('say why they cannot be set', () => {
    expect(guardUnavailable({ localEngine: true, uid: 0 })).toBeNull();
    expect(guardUnavailable({ localEngine: true, uid: 1000 })).toMatch(/not running as root/);
    expect(guardUnavailable({ localEngine: false, uid: 0 })).toMatch(/not on this host/);
  });
});

/** A host whose ip6tables cannot insert (no ip6tables, or no IPv6 tables in its kernel). */
function brokenIp6(ipv6Off: boolean): { host: GuardHost; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    host: {
      ipv6Off: () => ipv6Off,
      run: async (tool: FirewallTool, args: string[]) => {
        calls.push(`${tool} ${args[2]}`);
        if (tool === 'ip6tables' && args[2] === '-I') throw Object.assign(new Error('failed'), { stderr: "ip6tables v1.8.9 (nf_tables): can't initialize ip6tables table `filter'" });
        return {};
      },
    },
  };
}

describe('an IPv6 firewall failure', () => {
  it('leaves the IPv4 guard standing when the bridge carries no IPv6', async () => {
    const { host, calls } = brokenIp6(true);
    const g = await installGuard(target, host);
    expect(g.ipv6).toBe(false);
    expect(calls).toEqual(Array(4).fill('iptables -I'));
  });

  it('refuses, with the rules it set taken back, when the bridge carries IPv6', async () => {
    const { host, calls } = brokenIp6(false);
    const err = await installGuard(target, host).then(() => null, (e: { code?: string; message: string }) => e);
    expect(err?.code).toBe(ERROR_CODES.NETWORK_UNGUARDED);
    expect(err?.message).toMatch(/IPv6 firewall rules on pb0123456789ab.*can't initialize ip6tables.*apt-get install iptables.*disable_ipv6=1/);
    expect(calls.filter((c) => c === 'iptables -D')).toHaveLength(4);
  });
});

describe('releasing the rules', () => {
  it('says, on one line, when a rule could not be removed', async () => {
    const host: GuardHost = {
      ipv6Off: () => false,
      run: async (_tool: FirewallTool, args: string[]) => {
        if (args[2] === '-D') throw Object.assign(new Error('failed'), { stderr: 'iptables: Permission denied (you must be root).' });
        return {};
      },
    };
    const g = await installGuard(target, host);
    const err = await g.release().then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/^could not remove 7 firewall rule\(s\) on pb0123456789ab: iptables FORWARD .*Permission denied.* \(and 6 more\); `pairbench cleanup` removes them/);
    expect(err?.message).not.toContain('\n');
  });
});
