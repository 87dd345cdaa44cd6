// The bridge pairbench names for a sweep network is checked against what the engine made:
// firewall rules on an interface that is not the network's guard nothing.

import { describe, expect, it } from 'vitest';
import { bridgeProblem } from '../../engines/docker/network.js';

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
