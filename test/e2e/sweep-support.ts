// Shared by the sweep e2e files: drive the real CLI against real Docker and a real SQLite
// file in a throwaway directory, and read back what it wrote.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa, type ResultPromise } from 'execa';
import { connectEngine } from './engine-support.js';
import { findPairbenchContainers, removeContainers } from '../../engines/docker/leftovers.js';
import { isAgentOutcome } from '../../core/outcomes.js';
import type { SweepRow, TrialRow } from '../../store/records.js';

export { sweepIdOf } from '../../scripts/support/sweep-id.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const SWEEP_TASKS = path.join(ROOT, 'fixtures/tasks-sweep');
const BIN = path.join(ROOT, 'bin/pairbench.js');

export interface Workspace {
  dir: string;
  db: string;
  runs: string;
  /** Flags every sweep in this workspace takes. */
  base: string[];
  cleanup(): Promise<void>;
}

export function workspace(): Workspace {
  const dir = mkdtempSync(path.join(tmpdir(), 'pb-sweep-e2e-'));
  const db = path.join(dir, 'results.db');
  const runs = path.join(dir, 'runs');
  const sweeps = new Set<string>();
  return {
    dir,
    db,
    runs,
    base: ['--db', db, '--runs-dir', runs, '--tasks-dir', SWEEP_TASKS],
    async cleanup() {
      // Only this workspace's sweeps: other engineers' containers share the engine.
      const docker = await connectEngine();
      for (const id of sweepIdsIn(db)) sweeps.add(id);
      for (const sweep of sweeps) await removeContainers(docker, await findPairbenchContainers(docker, { sweep }));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The CLI, with `env` added to this process's environment. */
export function pairbench(args: string[], env: Record<string, string> = {}): ResultPromise<{ reject: false; cwd: string; all: true; env: Record<string, string> }> {
  return execa('node', [BIN, ...args], { reject: false, cwd: ROOT, all: true, env });
}

export function trials(db: string, sweepId?: string): TrialRow[] {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const sql = `SELECT * FROM trials ${sweepId ? 'WHERE sweep_id = ?' : ''} ORDER BY started_at, id`;
    return (sweepId ? conn.prepare(sql).all(sweepId) : conn.prepare(sql).all()) as TrialRow[];
  } finally {
    conn.close();
  }
}

export function sweep(db: string, id: string): SweepRow | undefined {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return conn.prepare('SELECT * FROM sweeps WHERE id = ?').get(id) as SweepRow | undefined;
  } finally {
    conn.close();
  }
}

function sweepIdsIn(db: string): string[] {
  try {
    const conn = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return (conn.prepare('SELECT id FROM sweeps').all() as { id: string }[]).map((r) => r.id);
    } finally {
      conn.close();
    }
  } catch {
    return [];
  }
}

/** Polls the store until `ready(rows)` holds. No timing is asserted: the test timeout bounds it. */
export async function waitForRows(db: string, sweepId: string, ready: (rows: TrialRow[]) => boolean): Promise<TrialRow[]> {
  for (;;) {
    try {
      const rows = trials(db, sweepId);
      if (ready(rows)) return rows;
    } catch {
      // the runner may not have created the file yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const finished = (rows: TrialRow[]): TrialRow[] => rows.filter((r) => r.status !== 'running' && r.status !== 'interrupted');
export const agentFinished = (rows: TrialRow[]): TrialRow[] => rows.filter((r) => isAgentOutcome(r.status));

export async function containersOf(sweepId: string): Promise<string[]> {
  const docker = await connectEngine();
  return (await findPairbenchContainers(docker, { sweep: sweepId })).map((c) => c.name);
}

/**
 * A serving file whose `command` starts pairbench's simulated server the way a user's own
 * server runs: a process pairbench starts and owns, with no watch on its parent.
 */
export async function commandServingFile(ws: Workspace, name: string, tasksDir = SWEEP_TASKS): Promise<string> {
  const { freeLoopbackPort } = await import('../../serving/control/controller.js');
  const port = await freeLoopbackPort();
  const command = [process.execPath, BIN, 'serve', '--simulated', '--port', String(port), '--time-scale', '0', '--tasks-dir', tasksDir];
  const file = path.join(ws.dir, `${name}.toml`);
  writeFileSync(
    file,
    `[endpoint]\nbase_url = "http://127.0.0.1:${port}"\nmodel = "pairbench-simulated"\ndialect = "llama-server"\n[management]\ntype = "command"\ncommand = ${JSON.stringify(command)}\n`,
  );
  return file;
}

/** The CLI as a shell job: leading its own process group, which a test signals as a terminal's Ctrl-C does. */
export function pairbenchJob(args: string[]): ResultPromise<{ reject: false; cwd: string; all: true; detached: true }> {
  return execa('node', [BIN, ...args], { reject: false, cwd: ROOT, all: true, detached: true });
}

/** The serving events of a sweep, oldest first, and the owned server processes they record. */
export function servingEvents(db: string, sweepId: string): { kind: string; detail: unknown }[] {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (conn.prepare('SELECT kind, detail_json FROM serving_events WHERE sweep_id = ? ORDER BY id').all(sweepId) as { kind: string; detail_json: string | null }[]).map(
      (e) => ({ kind: e.kind, detail: e.detail_json === null ? null : (JSON.parse(e.detail_json) as unknown) }),
    );
  } finally {
    conn.close();
  }
}

/** Until a trial started after `since` is running `command` between two model calls. The test timeout bounds it. */
export async function waitForCommandTurn(db: string, sweepId: string, since: string, command: string): Promise<void> {
  for (;;) {
    try {
      const conn = new Database(db, { readonly: true, fileMustExist: true });
      try {
        const n = conn
          .prepare(
            `SELECT count(*) FROM turns u JOIN trials t ON t.id = u.trial_id
             WHERE t.sweep_id = ? AND t.started_at > ? AND t.status = 'running' AND u.command LIKE ?`,
          )
          .pluck()
          .get(sweepId, since, `%${command}%`) as number;
        if (n > 0) return;
      } finally {
        conn.close();
      }
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
