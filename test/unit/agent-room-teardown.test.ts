// The installed agents' network comes down in the one safe order: leftover containers off the
// bridge, the network, then the firewall rules that kept those containers from the host; a
// network that stays keeps its rules.

import { describe, expect, it } from 'vitest';
import { closeRoom, type RoomTeardown } from '../../runner/sweep/agent-room.js';

type Failing = 'proxy' | 'containers' | 'network' | 'rules';

function teardown(steps: string[], fails: readonly Failing[] = []): RoomTeardown {
  const step = (name: Failing, why: string) => async () => {
    await new Promise((r) => setTimeout(r, 1));
    if (fails.includes(name)) throw new Error(why);
    steps.push(name);
  };
  return {
    network: 'pairbench-sw-1',
    closeProxy: step('proxy', 'proxy socket hung'),
    removeContainers: step('containers', 'container c1 is stuck'),
    removeNetwork: step('network', 'network has active endpoints'),
    releaseGuard: step('rules', 'could not remove 7 firewall rule(s)'),
  };
}

const failure = (p: Promise<void>) => p.then(() => null, (e: Error) => e);

describe('closing the agents\' network', () => {
  it('releases the firewall rules only after the containers and the network are gone', async () => {
    const steps: string[] = [];
    await closeRoom(teardown(steps));
    expect(steps.filter((s) => s !== 'proxy')).toEqual(['containers', 'network', 'rules']);
  });

  it('keeps the rules of a network that stays, and says so on one line', async () => {
    const steps: string[] = [];
    const err = await failure(closeRoom(teardown(steps, ['network'])));
    expect(steps).not.toContain('rules');
    expect(err?.message).toMatch(/^network pairbench-sw-1 stays, and so do its firewall rules: network has active endpoints; `pairbench cleanup` removes both/);
    expect(err?.message).not.toContain('\n');
  });

  it('neither removes the network nor releases its rules while its containers may remain', async () => {
    const steps: string[] = [];
    const err = await failure(closeRoom(teardown(steps, ['containers'])));
    expect(steps).toEqual(['proxy']);
    expect(err?.message).toMatch(/^network pairbench-sw-1 stays, and so do its firewall rules: its containers could not be removed: container c1 is stuck/);
  });

  it.each([
    [['rules', 'proxy'], ['could not remove 7 firewall rule(s)', 'closing the recording proxy: proxy socket hung']],
    [['network', 'proxy'], ['network has active endpoints', 'closing the recording proxy: proxy socket hung']],
    [['containers', 'proxy'], ['container c1 is stuck', 'closing the recording proxy: proxy socket hung']],
  ] as const)('says every step that failed (%j), on one line', async (fails, said) => {
    const err = await failure(closeRoom(teardown([], fails)));
    for (const s of said) expect(err?.message).toContain(s);
    expect(err?.message).not.toContain('\n');
  });
});
