// A --db that pairbench cannot or must not write: a damaged file, one this user may only
// read, and another program's SQLite database. Each is one line with a stable code and the
// fix, never a stack trace, and the file is left exactly as it was: nothing recorded is lost.

import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { generateFixtureDb } from '../../fixtures/db/generate.js';
import { ROOT, SWEEP_TASKS } from './sweep-support.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pb-store-refusals-'));
chmodSync(dir, 0o755); // the read-only case runs as another user, who must reach the file
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BIN = path.join(ROOT, 'bin/pairbench.js');
const hash = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const runArgs = (db: string): string[] => ['run', '--db', db, '--tasks-dir', SWEEP_TASKS, '--runs-dir', path.join(dir, 'runs'), '--harness', 'oracle', '--task', 'quick', '--trials', '1'];

function expectOneLine(r: { exitCode?: number; stderr: string }, code: string): void {
  expect(r.exitCode, r.stderr).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toContain(code);
  expect(lines[0]).toContain('--db');
}

/** A pairbench store holding sweeps, checkpointed into its one file. */
function pairbenchStore(name: string): string {
  const file = path.join(dir, name);
  generateFixtureDb(file, { trials: 2, seed: 1 });
  const db = new Database(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('journal_mode = DELETE');
  db.close();
  return file;
}

it('a damaged store: PB_STORE_CORRUPT, untouched', async () => {
  const file = pairbenchStore('damaged.db');
  const bytes = readFileSync(file);
  bytes.write('garbage garbage!', 0); // the 16-byte header SQLite checks first
  writeFileSync(file, bytes);
  const before = hash(file);
  for (const args of [runArgs(file), ['report', '--db', file]]) {
    const r = await execa('node', [BIN, ...args], { reject: false, cwd: ROOT });
    expectOneLine(r, 'PB_STORE_CORRUPT');
  }
  expect(hash(file)).toBe(before);
});

it('another program\'s SQLite database: PB_STORE_FOREIGN, never adopted', async () => {
  const file = path.join(dir, 'shop.db');
  const db = new Database(file);
  db.exec("CREATE TABLE customers (name TEXT); INSERT INTO customers VALUES ('ada');");
  db.close();
  const before = hash(file);
  const r = await execa('node', [BIN, ...runArgs(file)], { reject: false, cwd: ROOT });
  expectOneLine(r, 'PB_STORE_FOREIGN');
  expect(r.stderr).toContain('customers');
  expect(hash(file)).toBe(before);
  const after = new Database(file, { readonly: true });
  expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: 'customers' }]);
  after.close();
});

it('a store this user may only read: PB_STORE_READ_ONLY, its sweeps intact', async () => {
  const file = pairbenchStore('readonly.db');
  const copy = path.join(dir, 'readonly-copy.db');
  copyFileSync(file, copy);
  chmodSync(file, 0o644); // root's file; the runner below is nobody
  const before = hash(file);
  // The checkout may sit in a directory only root may enter (a clone in `mktemp -d`). Files
  // are opened as nobody (the effective user), with the right to read and search past that
  // directory (CAP_DAC_READ_SEARCH) and never to write; the real user stays root, because
  // node_modules (bindings) looks for files with access(), which asks as the real user.
  const nobody = ['--euid=65534', '--egid=65534', '--clear-groups', '--inh-caps=+dac_read_search', '--ambient-caps=+dac_read_search'];
  const r = await execa('setpriv', [...nobody, 'node', BIN, ...runArgs(file)], { reject: false, cwd: ROOT });
  expectOneLine(r, 'PB_STORE_READ_ONLY');
  expect(hash(file)).toBe(before);
  expect(readFileSync(file).equals(readFileSync(copy))).toBe(true);
});

it('a store from an older pairbench: report and compare read it as it is, and leave it untouched', async () => {
  const file = pairbenchStore('current.db');
  const older = path.join(dir, 'older.db');
  copyFileSync(file, older);
  // What a v3 store lacked: the engine per trial (v4), serving checks (v5), agent isolation (v6).
  const db = new Database(older);
  db.exec('ALTER TABLE trials DROP COLUMN engine; DROP TABLE serving_checks; ALTER TABLE sweeps DROP COLUMN agent_isolation_json; VACUUM;');
  db.pragma('user_version = 3');
  db.close();
  const before = hash(older);
  for (const args of [['report', '--format', 'json'], ['compare', 'sweep-1', 'sweep-1', '--format', 'json']]) {
    const want = await execa('node', [BIN, ...args, '--db', file], { reject: false, cwd: ROOT });
    expect(want.exitCode, want.stderr).toBe(0);
    const got = await execa('node', [BIN, ...args, '--db', older], { reject: false, cwd: ROOT });
    expect(got.stderr).not.toMatch(/^\s+at /m);
    expect(got.exitCode, got.stderr).toBe(0);
    expect(got.stdout.replaceAll(older, file)).toBe(want.stdout);
  }
  expect(hash(older)).toBe(before);
});
