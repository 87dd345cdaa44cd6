// bin/pairbench.js is run as a user's `pairbench` runs it: sh first, which starts Node with
// glibc's malloc asking for transparent huge pages (fewer page faults for a report's large
// arrays). What Node starts with, and what the processes pairbench starts would inherit, is
// read from inside it through an --import that writes the environment at start and at exit.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { restoreUserTunables, withHugePages } from '../../core/launch-env.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/pairbench.js');
const dir = mkdtempSync(path.join(tmpdir(), 'pb-cli-launcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Installed globally, `pairbench` is a link named without .js, in a folder that may hold spaces.
const linked = path.join(dir, "npm's bin", 'pairbench');
mkdirSync(path.dirname(linked));
symlinkSync(BIN, linked);

const seen = path.join(dir, 'seen.json');
const probe = path.join(dir, 'probe.mjs');
writeFileSync(
  probe,
  `import { writeFileSync } from 'node:fs';
const start = process.env.GLIBC_TUNABLES ?? null;
process.on('exit', () => writeFileSync(process.env.PB_SEEN, JSON.stringify({ start, exit: process.env.GLIBC_TUNABLES ?? null, saved: process.env.PAIRBENCH_USER_TUNABLES ?? null, argv: process.argv.slice(2) })));
`,
);

interface Seen {
  exitCode: number | undefined;
  stderr: string;
  /** GLIBC_TUNABLES as Node started with it, and as a process pairbench starts would get it. */
  start: string | null;
  exit: string | null;
  saved: string | null;
  argv: string[];
}

async function launch(bin: string, args: string[], env: Record<string, string> = {}): Promise<Seen> {
  rmSync(seen, { force: true });
  const r = await execa(bin, args, {
    reject: false,
    extendEnv: false,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? dir, PB_SEEN: seen, NODE_OPTIONS: `--import ${pathToFileURL(probe).href}`, ...env },
  });
  expect(existsSync(seen), `node did not start: ${r.stderr}`).toBe(true);
  return { exitCode: r.exitCode, stderr: r.stderr, ...(JSON.parse(readFileSync(seen, 'utf8')) as Omit<Seen, 'exitCode' | 'stderr'>) };
}

it('starts Node with huge pages asked of malloc, through a link in a folder with spaces, every argument as given', async () => {
  const db = path.join(dir, 'no such dir', "it's a $HOME.db");
  const r = await launch(linked, ['report', '--db', db]);
  expect(r.start).toBe('glibc.malloc.hugetlb=1');
  expect(r.argv).toEqual(['report', '--db', db]);
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toContain(`no database at ${db}`);
});

it('gives what pairbench starts the environment the user gave it', async () => {
  const none = await launch(BIN, ['--help']);
  expect(none).toMatchObject({ exitCode: 0, start: 'glibc.malloc.hugetlb=1', exit: null, saved: null });
  const theirs = await launch(BIN, ['--help'], { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' });
  expect(theirs).toMatchObject({ exitCode: 0, start: 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1', exit: 'glibc.malloc.arena_max=2', saved: null });
});

it('leaves a user who chose for or against huge pages their choice, whatever a parent pairbench left behind', async () => {
  for (const tunables of ['glibc.malloc.hugetlb=0', 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2']) {
    const r = await launch(BIN, ['--help'], { GLIBC_TUNABLES: tunables });
    expect(r).toMatchObject({ exitCode: 0, start: tunables, exit: tunables, saved: null });
    // A value saved by a pairbench further up is not this user's: it must not replace theirs.
    const stale = await launch(BIN, ['--help'], { GLIBC_TUNABLES: tunables, PAIRBENCH_USER_TUNABLES: 'glibc.malloc.arena_max=9' });
    expect(stale).toMatchObject({ exitCode: 0, start: tunables, exit: tunables, saved: null });
  }
});

it('runs under node as well, as the package scripts and tests run it', async () => {
  const r = await execa('node', [BIN, '--help'], { reject: false });
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain('Usage: pairbench');
});

it('the benchmarks start themselves as the launcher starts pairbench, and give the user environment back the same way', () => {
  const env: NodeJS.ProcessEnv = { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2', KEEP: 'x' };
  const started = withHugePages(env);
  expect(started.GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
  expect(restoreUserTunables(started)).toBe(true);
  expect(started).toEqual(env);
  expect(withHugePages({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' })).toEqual({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' });
  const bare = withHugePages({});
  expect(restoreUserTunables(bare)).toBe(true);
  expect(bare).toEqual({});
  expect(restoreUserTunables(bare)).toBe(false);
  // A saved value beside tunables the launcher did not build from it is dropped, not restored.
  const stale: NodeJS.ProcessEnv = { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0', PAIRBENCH_USER_TUNABLES: 'x' };
  expect(restoreUserTunables(stale)).toBe(false);
  expect(stale).toEqual({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' });
});
