// The firewall rules that keep a sweep network's containers from the host's services, as
// planned (pure), and as `pairbench cleanup` reads them back from `iptables -S`.

import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../core/errors.js';
import { guardComment, guardRules, guardSweepNetwork, guardUnavailable, installGuard, parseRuleLine, type FirewallTool, type GuardHost } from '../../engines/host-guard.js';

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

/** A host whose iptables refuses the insert numbered `failAt` (0-based), and records every call. */
function brokenIp4(failAt: number, o: { removeFails?: boolean } = {}): { host: GuardHost; calls: string[] } {
  const calls: string[] = [];
  let inserts = 0;
  return {
    calls,
    host: {
      ipv6Off: () => true,
      run: async (tool: FirewallTool, args: string[]) => {
        calls.push(`${tool} ${args[2]}`);
        if (args[2] === '-I' && inserts++ === failAt) throw Object.assign(new Error('failed'), { stderr: "iptables v1.8.9 (nf_tables): Couldn't load match `comment'" });
        if (args[2] === '-D' && o.removeFails) throw Object.assign(new Error('failed'), { stderr: 'iptables: Resource temporarily unavailable.' });
        return {};
      },
    },
  };
}

describe('an IPv4 firewall failure', () => {
  it('refuses like an IPv6 one, naming the cause and the fix, with the rules it set taken back', async () => {
    const { host, calls } = brokenIp4(2);
    const err = await installGuard(target, host).then(() => null, (e: { code?: string; message: string }) => e);
    expect(err?.code).toBe(ERROR_CODES.NETWORK_UNGUARDED);
    expect(err?.message).toMatch(/^cannot set IPv4 firewall rules on pb0123456789ab: iptables v1.8.9 .*Couldn't load match `comment'.*refuses to run installed agents unguarded.*apt-get install iptables/);
    expect(err?.message).not.toContain('\n');
    expect(calls.filter((c) => c === 'iptables -D')).toHaveLength(2);
  });

  it('says which rules it set could not be taken back', async () => {
    const { host } = brokenIp4(1, { removeFails: true });
    const err = await installGuard(target, host).then(() => null, (e: { code?: string; message: string }) => e);
    expect(err?.code).toBe(ERROR_CODES.NETWORK_UNGUARDED);
    expect(err?.message).toMatch(/could not remove 1 firewall rule\(s\) on pb0123456789ab: iptables FORWARD .*Resource temporarily unavailable.*`pairbench cleanup` removes them/);
    expect(err?.message).not.toContain('\n');
  });
});

describe('a sweep network\'s guard', () => {
  const sweep = { localEngine: true, uid: 0, network: { name: 'pairbench-sw-1', bridge: 'pb0123456789ab', gateway: '172.30.0.1' }, port: 41234, sweepId: 'sw-1', runner: 'h/12/99' };

  it('is refused, never run unguarded, where pairbench may set rules and they fail', async () => {
    const err = await guardSweepNetwork(sweep, brokenIp4(0).host).then(() => null, (e: { code?: string }) => e);
    expect(err?.code).toBe(ERROR_CODES.NETWORK_UNGUARDED);
  });

  it('is refused when pairbench does not know the bridge to set rules on', async () => {
    const { host, calls } = brokenIp4(99);
    const err = await guardSweepNetwork({ ...sweep, network: { ...sweep.network, bridge: null } }, host).then(() => null, (e: { code?: string; message: string }) => e);
    expect(err?.code).toBe(ERROR_CODES.NETWORK_UNGUARDED);
    expect(err?.message).toMatch(/^cannot guard the sweep's network pairbench-sw-1: pairbench does not know its bridge.*run them on Docker/);
    expect(calls).toEqual([]);
  });

  it('stands where the rules go in, and says why nothing stands where they are not pairbench\'s to set', async () => {
    const g = await guardSweepNetwork(sweep, brokenIp4(99).host);
    expect(g).toMatchObject({ enforced: true, detail: 'firewall rules on pb0123456789ab (IPv4; the bridge carries no IPv6): TCP to 172.30.0.1:41234 only' });
    const { host, calls } = brokenIp4(0);
    expect(await guardSweepNetwork({ ...sweep, uid: 1000 }, host)).toMatchObject({ enforced: false, detail: expect.stringMatching(/not running as root/) });
    expect(calls).toEqual([]);
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
