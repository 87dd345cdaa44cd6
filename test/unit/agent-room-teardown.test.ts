// The installed agents' network comes down in the one safe order: leftover containers off the
// bridge, the network, then the firewall rules that kept those containers from the host; a
// network that stays keeps its rules.

import { describe, expect, it } from 'vitest';
import { ERROR_CODES, PairbenchError } from '../../core/errors.js';
import { abandonRoom, closeRoom, type RoomTeardown } from '../../runner/sweep/agent-room.js';

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

describe('a room that could not open', () => {
  const refusal = new PairbenchError(ERROR_CODES.NETWORK_UNGUARDED, 'cannot set IPv4 firewall rules on pb0123456789ab: iptables is not installed');

  it('takes back the proxy and the network and throws its cause as it is', async () => {
    const steps: string[] = [];
    const err = await abandonRoom(refusal, teardown(steps)).then(() => null, (e: unknown) => e);
    expect(err).toBe(refusal);
    expect(steps).toEqual(['proxy', 'network']);
  });

  it('keeps its cause\'s code and says, on one line, what it could not take back', async () => {
    const err = await abandonRoom(refusal, teardown([], ['proxy', 'network'])).then(() => null, (e: { code?: string; message: string }) => e);
    expect(err?.code).toBe(ERROR_CODES.NETWORK_UNGUARDED);
    expect(err?.message).toMatch(/^cannot set IPv4 firewall rules on pb0123456789ab: iptables is not installed; besides, closing the recording proxy: proxy socket hung; network pairbench-sw-1 stays: network has active endpoints; `pairbench cleanup` removes it/);
    expect(err?.message).not.toContain('\n');
  });
});
