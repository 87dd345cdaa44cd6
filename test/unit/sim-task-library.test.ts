// The simulator's task library: an unknown task costs no read of the task files unless one
// changed, and a task added or edited while the server runs is found.

import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskLibrary } from '../../simulator/task-library.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tasksDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pb-sim-library-'));
  dirs.push(dir);
  return dir;
}

function addTask(dir: string, name: string, instruction: string, files = true): void {
  mkdirSync(join(dir, name, 'solution'), { recursive: true });
  if (!files) return;
  writeFileSync(join(dir, name, 'instruction.md'), `${instruction}\n`);
  writeFileSync(join(dir, name, 'solution', 'solve.sh'), '#!/bin/bash\ntrue\n');
}

/** Every file and directory as if last changed `ago` ms ago: settled, an mtime telling any change. */
function settle(dir: string, ago = 60_000): void {
  const past = new Date(Date.now() - ago);
  for (const rel of readdirSync(dir, { recursive: true }) as string[]) utimesSync(join(dir, rel), past, past);
  utimesSync(dir, past, past);
}

describe('TaskLibrary', () => {
  it('looks an unknown task up without reading the directory again while it is unchanged', () => {
    const dir = tasksDir();
    addTask(dir, 'three', 'Create three files named a, b and c in /app.');
    settle(dir);
    const library = new TaskLibrary(dir);
    expect(library.reads).toBe(1);
    for (let i = 0; i < 50; i++) {
      expect(library.byName('nowhere')).toBeNull();
      expect(library.byInstruction('Nothing any task asks for, said at length.')).toBeNull();
    }
    expect(library.reads).toBe(1);
    expect(library.byName('three')?.instruction).toBe('Create three files named a, b and c in /app.');
  });

  it('finds a task added while it runs, by name and by instruction', () => {
    const dir = tasksDir();
    addTask(dir, 'three', 'Create three files named a, b and c in /app.');
    settle(dir);
    const library = new TaskLibrary(dir);
    addTask(dir, 'poem', 'Write a poem about the sea into /app/poem.txt.');
    expect(library.byInstruction('Task: Write a poem about the sea into /app/poem.txt.')?.name).toBe('poem');
    expect(library.byName('poem')?.name).toBe('poem');
  });

  it('reads an edited instruction again, and a directory that is no task costs no read', () => {
    const dir = tasksDir();
    addTask(dir, 'three', 'Create three files named a, b and c in /app.');
    mkdirSync(join(dir, 'common')); // shared files, never a task
    settle(dir);
    const library = new TaskLibrary(dir);
    for (let i = 0; i < 10; i++) expect(library.byInstruction('Create four files named a, b, c and d in /app.')?.name).toBeUndefined();
    expect(library.reads).toBe(1);
    writeFileSync(join(dir, 'three', 'instruction.md'), 'Create four files named a, b, c and d in /app.\n');
    settle(dir, 30_000);
    expect(library.byInstruction('Create four files named a, b, c and d in /app.')?.name).toBe('three');
    expect(library.reads).toBe(2);
  });

  it('reads again a directory whose task was still being written at the last read', () => {
    const dir = tasksDir();
    addTask(dir, 'late', '', false); // the directory is there, its files not yet
    settle(dir);
    const library = new TaskLibrary(dir);
    expect(library.byName('late')).toBeNull();
    addTask(dir, 'late', 'Write late files into /app.');
    settle(dir); // the tasks directory's own mtime says nothing of files in a task's directory
    expect(library.byName('late')?.instruction).toBe('Write late files into /app.');
  });
});
