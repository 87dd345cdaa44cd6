// A benchmark that cannot start says why in one line and exits non-zero: no stack trace,
// whatever the script (every bench imports the same exit handler).

import path from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

it('bench:overhead with no engine answering prints one clear line, not a stack trace', async () => {
  const r = await execa('node', [path.join(ROOT, 'dist/scripts/bench-runner-overhead.js'), '5', 'docker'], {
    reject: false,
    env: { DOCKER_HOST: 'unix:///nonexistent/pairbench-no-engine.sock' },
  });
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toMatch(/no docker engine answers at unix:\/\/\/nonexistent\/pairbench-no-engine\.sock/);
  expect(r.stderr).toMatch(/scripts\/setup\.sh/);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
});
