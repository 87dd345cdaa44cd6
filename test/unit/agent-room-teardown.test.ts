// The installed agents' network comes down in the one safe order: leftover containers off the
// bridge, the network, then the firewall rules that kept those containers from the host; a
// network that stays keeps its rules.

import { describe, expect, it } from 'vitest';
import { closeRoom, type RoomTeardown } from '../../runner/sweep/agent-room.js';

function teardown(steps: string[], o: { networkFails?: boolean } = {}): RoomTeardown {
  const step = (name: string, fail = false) => async () => {
    await new Promise((r) => setTimeout(r, 1));
    if (fail) throw new Error('network has active endpoints');
    steps.push(name);
  };
  return {
    network: 'pairbench-sw-1',
    closeProxy: step('proxy'),
    removeContainers: step('containers'),
    removeNetwork: step('network', o.networkFails),
    releaseGuard: step('rules'),
  };
}

describe('closing the agents\' network', () => {
  it('releases the firewall rules only after the containers and the network are gone', async () => {
    const steps: string[] = [];
    await closeRoom(teardown(steps));
    expect(steps.filter((s) => s !== 'proxy')).toEqual(['containers', 'network', 'rules']);
  });

  it('keeps the rules of a network that stays, and says so on one line', async () => {
    const steps: string[] = [];
    const err = await closeRoom(teardown(steps, { networkFails: true })).then(() => null, (e: Error) => e);
    expect(steps).not.toContain('rules');
    expect(err?.message).toMatch(/^network pairbench-sw-1 stays, and so do its firewall rules: network has active endpoints; `pairbench cleanup` removes both/);
    expect(err?.message).not.toContain('\n');
  });
});
