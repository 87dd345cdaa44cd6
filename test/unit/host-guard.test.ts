// The firewall rules that keep a sweep network's containers from the host's services, as
// planned (pure), and as `pairbench cleanup` reads them back from `iptables -S`.

import { describe, expect, it } from 'vitest';
import { guardComment, guardRules, guardUnavailable, parseRuleLine } from '../../engines/host-guard.js';

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
