// The bridge pairbench names for a sweep network is checked against what the engine made:
// firewall rules on an interface that is not the network's guard nothing.

import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../core/errors.js';
import { bridgeProblem, refuseUnguardable } from '../../engines/docker/network.js';

describe('the sweep network\'s bridge', () => {
  it('is accepted when the engine used the name and the interface exists', () => {
    expect(bridgeProblem({ asked: 'pb0123456789ab', engineSays: { name: 'pb0123456789ab', own: false }, present: true })).toBeNull();
  });

  it('is accepted when Podman names it as its own but makes the interface only when a container joins (netavark)', () => {
    expect(bridgeProblem({ asked: 'pb0123456789ab', engineSays: { name: 'pb0123456789ab', own: true }, present: false })).toBeNull();
  });

  it('is refused when only Docker\'s echo of the option names it and no interface exists', () => {
    expect(bridgeProblem({ asked: 'pb0123456789ab', engineSays: { name: 'pb0123456789ab', own: false }, present: false })).toMatch(/no interface pb0123456789ab exists/);
  });

  it('is refused when the engine named it otherwise (an engine that ignores the bridge-name option)', () => {
    expect(bridgeProblem({ asked: 'pb0123456789ab', engineSays: { name: 'podman1', own: true }, present: true })).toBe('the engine named its bridge podman1, not pb0123456789ab as pairbench asked');
  });

  it('is refused when no interface of that name exists', () => {
    expect(bridgeProblem({ asked: 'pb0123456789ab', engineSays: null, present: false })).toMatch(/no interface pb0123456789ab exists/);
  });
});

describe('a sweep network that cannot be guarded', () => {
  function takeBack(o: { networkFails?: boolean; bridgeFails?: boolean } = {}) {
    const steps: string[] = [];
    const run = refuseUnguardable({
      name: 'pairbench-sw-1',
      bridge: 'pb0123456789ab',
      problem: 'the engine named its bridge podman1, not pb0123456789ab as pairbench asked',
      removeNetwork: async () => {
        if (o.networkFails) throw new Error('network has active endpoints');
        steps.push('network');
      },
      dropBridge: async () => {
        if (o.bridgeFails) throw new Error('ip link del pb0123456789ab: Operation not permitted');
        steps.push('bridge');
      },
    }).then(() => null, (e: { code?: string; message: string }) => e);
    return { steps, run };
  }

  it('is refused, its network removed and then its bridge', async () => {
    const { steps, run } = takeBack();
    const err = await run;
    expect(err?.code).toBe(ERROR_CODES.NETWORK_UNGUARDED);
    expect(err?.message).toMatch(/^cannot guard the sweep's network pairbench-sw-1: the engine named its bridge podman1.*Run installed agents on an engine that honours/);
    expect(steps).toEqual(['network', 'bridge']);
  });

  it('leaves the bridge of a network that stays, and says that the network stays', async () => {
    const { steps, run } = takeBack({ networkFails: true });
    const err = await run;
    expect(err?.code).toBe(ERROR_CODES.NETWORK_UNGUARDED);
    expect(steps).toEqual([]);
    expect(err?.message).toMatch(/network pairbench-sw-1 could not be removed \(network has active endpoints\), so its bridge pb0123456789ab was left as it is: `pairbench cleanup` removes the network/);
    expect(err?.message).not.toContain('\n');
  });

  it('says when the bridge could not be dropped', async () => {
    const err = await takeBack({ bridgeFails: true }).run;
    expect(err?.code).toBe(ERROR_CODES.NETWORK_UNGUARDED);
    expect(err?.message).toMatch(/bridge pb0123456789ab stays \(ip link del pb0123456789ab: Operation not permitted\)/);
  });
});
