import { describe, expect, it } from 'vitest';
import { handBackScript, hostTakesBack } from '../../runner/trial-dir.js';

describe('taking the trial directory back', () => {
  it('leaves it to the host pass only when pairbench runs as root', () => {
    expect(hostTakesBack(0)).toBe(true);
    expect(hostTakesBack(1000)).toBe(false);
    // No uid to read (not a POSIX host): never assume root.
    expect(hostTakesBack(null)).toBe(false);
  });

  it('from inside, strips what the host pass strips and gives the files to the owner', () => {
    const script = handBackScript(['/logs/verifier', '/logs/agent'], { uid: 4242, gid: 4343 });
    expect(script).toContain('-type p -o -type s -o -type b -o -type c');
    expect(script).toContain('chmod -R u-s,g-s,o-w /logs/verifier /logs/agent');
    expect(script).toContain('chown -hR 4242:4343 /logs/verifier /logs/agent');
  });
});
