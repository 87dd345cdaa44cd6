// The simulator's task library: an unknown task costs no read of the tasks directory unless
// the directory may hold something new, and a task added while the server runs is found.

import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
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

/** The directory as if last changed a minute ago: settled, its mtime telling any change. */
function settle(dir: string): void {
  const past = new Date(Date.now() - 60_000);
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

  it('reads again a directory whose task was still being written at the last read', () => {
    const dir = tasksDir();
    addTask(dir, 'late', '', false); // the directory is there, its files not yet
    settle(dir);
    const library = new TaskLibrary(dir);
    expect(library.byName('late')).toBeNull();
    addTask(dir, 'late', 'Write late files into /app.');
    settle(dir); // the files changed only the task's own directory, never the tasks directory's mtime
    expect(library.byName('late')?.instruction).toBe('Write late files into /app.');
  });
});
