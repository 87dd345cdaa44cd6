// bin/pairbench.js is run as a user's `pairbench` runs it: sh first, which starts Node with
// glibc's malloc asking for transparent huge pages (fewer page faults for a report's large
// arrays). What Node is started with is checked from inside it, through an --import that
// writes its environment and arguments; the user's own tunables and arguments pass through.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/pairbench.js');
const dir = mkdtempSync(path.join(tmpdir(), 'pb-cli-launcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const seen = path.join(dir, 'seen.json');
const probe = path.join(dir, 'probe.mjs');
writeFileSync(probe, `import { writeFileSync } from 'node:fs';\nwriteFileSync(process.env.PB_SEEN, JSON.stringify({ tunables: process.env.GLIBC_TUNABLES ?? null, argv: process.argv.slice(2) }));\n`);

async function launch(args: string[], env: Record<string, string> = {}): Promise<{ exitCode: number | undefined; stderr: string; tunables: string | null; argv: string[] }> {
  const r = await execa(BIN, args, { reject: false, extendEnv: false, env: { PATH: process.env.PATH!, PB_SEEN: seen, NODE_OPTIONS: `--import ${pathToFileURL(probe).href}`, ...env } });
  const got = JSON.parse(readFileSync(seen, 'utf8')) as { tunables: string | null; argv: string[] };
  return { exitCode: r.exitCode, stderr: r.stderr, ...got };
}

it('starts Node with huge pages asked of malloc, and every argument as given', async () => {
  const db = path.join(dir, 'no such dir', "it's.db");
  const r = await launch(['report', '--db', db]);
  expect(r.tunables).toBe('glibc.malloc.hugetlb=1');
  expect(r.argv).toEqual(['report', '--db', db]);
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toContain(`no database at ${db}`);
});

it('keeps the tunables a user already set', async () => {
  const r = await launch(['--help'], { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' });
  expect(r.exitCode).toBe(0);
  expect(r.tunables).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
});

it('runs under node as well, as the package scripts and tests run it', async () => {
  const r = await execa('node', [BIN, '--help'], { reject: false });
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain('Usage: pairbench');
});
