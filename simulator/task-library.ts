// The tasks the scripted policy knows: each subdirectory of the tasks directory with an
// instruction.md and a solution/solve.sh. Read at start and read again when a task is unknown
// and the directory may hold a new one, so tasks added while the server runs are picked up.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { splitTopLevelCommands } from './shell-split.js';

export interface ScriptedTask {
  name: string;
  instruction: string;
  commands: string[];
}

// A header-less request must share at least this much text with an instruction to match it.
const MIN_PREFIX_MATCH = 16;
// A directory changed this recently may change again within the same timestamp tick.
const SETTLED_MS = 2_000;

export class TaskLibrary {
  private tasks = new Map<string, ScriptedTask>();
  // What the last read saw: the directory's mtime, and whether it may still be changing (a
  // subdirectory without its files yet, or a change too recent for the mtime to tell).
  private lastRead: { mtimeMs: number; unsettled: boolean } | null = null;
  /** How many times the directory has been read. */
  reads = 0;

  constructor(private readonly tasksDir: string | null) {
    this.reload();
  }

  reload(): void {
    const next = new Map<string, ScriptedTask>();
    const mtimeMs = this.dirMtime();
    let unsettled = Date.now() - mtimeMs < SETTLED_MS;
    if (this.tasksDir !== null && existsSync(this.tasksDir)) {
      for (const entry of readdirSync(this.tasksDir, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const dir = join(this.tasksDir, entry.name);
        const solve = join(dir, 'solution', 'solve.sh');
        const instruction = join(dir, 'instruction.md');
        if (!existsSync(solve) || !existsSync(instruction)) {
          unsettled = true;
          continue;
        }
        next.set(entry.name, {
          name: entry.name,
          instruction: readFileSync(instruction, 'utf8').trim(),
          commands: splitTopLevelCommands(readFileSync(solve, 'utf8')),
        });
      }
    }
    this.tasks = next;
    this.lastRead = { mtimeMs, unsettled };
    this.reads += 1;
  }

  /**
   * Reads the directory again unless nothing can be new in it: an unknown task costs every
   * call that names it, and reading every task's files each time was most of the server's work.
   */
  private reloadIfChanged(): void {
    const last = this.lastRead;
    if (last !== null && !last.unsettled && last.mtimeMs === this.dirMtime()) return;
    this.reload();
  }

  private dirMtime(): number {
    if (this.tasksDir === null) return -1;
    try {
      return statSync(this.tasksDir).mtimeMs;
    } catch {
      return -1;
    }
  }

  get size(): number {
    return this.tasks.size;
  }

  byName(name: string): ScriptedTask | null {
    if (!this.tasks.has(name)) this.reloadIfChanged();
    return this.tasks.get(name) ?? null;
  }

  /** The task whose instruction the message contains (longest wins), else the longest common prefix. */
  byInstruction(message: string): ScriptedTask | null {
    const found = this.match(message);
    if (found) return found;
    this.reloadIfChanged();
    return this.match(message);
  }

  private match(message: string): ScriptedTask | null {
    const text = message.trim();
    let contained: ScriptedTask | null = null;
    let prefixBest: ScriptedTask | null = null;
    let prefixLen = MIN_PREFIX_MATCH - 1;
    for (const task of this.tasks.values()) {
      if (task.instruction === '') continue;
      if (text.includes(task.instruction)) {
        if (contained === null || task.instruction.length > contained.instruction.length) contained = task;
        continue;
      }
      const n = commonPrefix(text, task.instruction);
      if (n > prefixLen) {
        prefixLen = n;
        prefixBest = task;
      }
    }
    return contained ?? prefixBest;
  }
}

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
