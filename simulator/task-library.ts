// The tasks the scripted policy knows: each subdirectory of the tasks directory with an
// instruction.md and a solution/solve.sh. Read at start and read again when a task is unknown
// and the files have changed, so tasks added or edited while the server runs are picked up.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { splitTopLevelCommands } from './shell-split.js';

export interface ScriptedTask {
  name: string;
  instruction: string;
  commands: string[];
}

// A header-less request must share at least this much text with an instruction to match it.
const MIN_PREFIX_MATCH = 16;
// A file changed this recently may change again within the same timestamp tick.
const SETTLED_MS = 2_000;

/** What a look at the directory saw: each task's two files, by mtime and size, the latest change, and the tasks with both files. */
interface Stamp {
  text: string;
  newestMs: number;
  complete: string[];
}

export class TaskLibrary {
  private tasks = new Map<string, ScriptedTask>();
  private lastRead: Stamp | null = null;
  /** How many times the task files have been read. */
  reads = 0;

  constructor(private readonly tasksDir: string | null) {
    this.reload();
  }

  /** `stamp`: the look just taken, stamped before reading, so a file written during the read shows as changed next time. */
  reload(stamp: Stamp = this.stamp()): void {
    const next = new Map<string, ScriptedTask>();
    for (const name of stamp.complete) {
      const dir = join(this.tasksDir!, name);
      try {
        next.set(name, {
          name,
          instruction: readFileSync(join(dir, 'instruction.md'), 'utf8').trim(),
          commands: splitTopLevelCommands(readFileSync(join(dir, 'solution', 'solve.sh'), 'utf8')),
        });
      } catch {
        // gone or unreadable since the look: the stamp it changed reads it again next time
      }
    }
    this.tasks = next;
    this.lastRead = stamp;
    this.reads += 1;
  }

  /**
   * Reads the task files again unless none changed: a task added, edited or removed changes
   * the stamp. An unknown task costs every call that names it, and reading every task's files
   * each time was most of the server's work; a stat per file is not.
   */
  private reloadIfChanged(): void {
    const last = this.lastRead;
    const now = this.stamp();
    if (last !== null && now.text === last.text && Date.now() - now.newestMs >= SETTLED_MS) return;
    this.reload(now);
  }

  private stamp(): Stamp {
    if (this.tasksDir === null) return { text: '', newestMs: 0, complete: [] };
    const parts: string[] = [];
    const complete: string[] = [];
    let newestMs = 0;
    const look = (file: string): string => {
      try {
        const st = statSync(file);
        newestMs = Math.max(newestMs, st.mtimeMs);
        return `${st.mtimeMs}:${st.size}`;
      } catch {
        return '-';
      }
    };
    try {
      for (const entry of readdirSync(this.tasksDir, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const dir = join(this.tasksDir, entry.name);
        const files = [look(join(dir, 'instruction.md')), look(join(dir, 'solution', 'solve.sh'))];
        parts.push(`${entry.name}=${files.join(',')}`);
        if (!files.includes('-')) complete.push(entry.name);
      }
    } catch {
      parts.push('(unreadable)'); // no directory (yet): nothing to read
    }
    return { text: parts.join('/'), newestMs, complete };
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
