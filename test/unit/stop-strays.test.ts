// The seal's stray scan, run by a real sh over a made-up /proc tree: which processes it
// counts as still running. Its pids lie above the kernel's PID_MAX_LIMIT (4194304), so the
// scan's kills can reach no real process.

import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stopStrays } from '../../verifier/sealed.js';

const PF_EXITING = 0x4;
let proc: string;

beforeEach(async () => {
  proc = await mkdtemp(path.join(tmpdir(), 'pb-proc-'));
});
afterEach(async () => {
  await rm(proc, { recursive: true, force: true });
});

/** One process with its threads, each `[state, flags]`; the first is its main thread. */
async function processWith(pid: number, threads: [string, number][], comm = 'x) Z 1 1'): Promise<void> {
  for (const [i, [state, flags]] of threads.entries()) {
    const tid = pid + i;
    const dir = path.join(proc, String(pid), 'task', String(tid));
    await mkdir(dir, { recursive: true });
    // pid (comm) state ppid pgrp session tty tpgid flags ...; a comm with ") " in it must not shift the fields.
    const stat = `${tid} (${comm}) ${state} 1 ${pid} ${pid} 0 -1 ${flags} 0 0 0 0 0 0 0 0 20 0 ${threads.length} 0 100\n`;
    await writeFile(path.join(dir, 'stat'), stat);
    if (i === 0) await writeFile(path.join(proc, String(pid), 'stat'), stat); // /proc/<pid>/stat is its main thread's
  }
}

function scan(): { status: number | null; stderr: string } {
  const r = spawnSync('sh', ['-c', stopStrays(proc)], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stderr: r.stderr };
}

describe('the seal counts a process as running while any of its threads can still run user code', () => {
  it('a killed process still exiting, waiting for a CPU, is gone; so is a zombie', async () => {
    await processWith(9_000_001, [['R', 0x400000 | PF_EXITING]]);
    await processWith(9_000_010, [['Z', 0x400000 | PF_EXITING]]);
    expect(scan()).toEqual({ status: 0, stderr: '' });
  });

  it('a main thread that exited while another thread runs on is a stray, found however often it is killed', async () => {
    await processWith(9_000_020, [
      ['Z', 0x400000 | PF_EXITING],
      ['S', 0x400040],
    ]);
    const r = scan();
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('processes kept appearing');
  });

  it('a running process that put a newline in its name, its first line reading as a zombie, is a stray', async () => {
    await processWith(9_000_030, [['S', 0x400040]], 'x) Z\n');
    const r = scan();
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('processes kept appearing');
  });
});
