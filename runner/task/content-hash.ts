// A task's content hash: every file under its directory (task.toml, instruction, environment,
// solution, tests), by relative path and bytes. A sweep's plan records it per task, so a
// resume can tell that a task was edited in between and refuse to mix two versions.

import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';

export async function taskContentHash(taskDir: string): Promise<string> {
  const h = createHash('sha256');
  for (const rel of await listFiles(taskDir)) {
    const abs = path.join(taskDir, rel);
    const st = await lstat(abs);
    h.update(`${st.isSymbolicLink() ? 'l' : 'f'}\u0000${rel}\u0000`);
    h.update(st.isSymbolicLink() ? await readlink(abs) : await readFile(abs));
    h.update('\u0000');
  }
  return h.digest('hex').slice(0, 16);
}

async function listFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(path.join(root, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const child = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await listFiles(root, child)));
    else if (e.isFile() || e.isSymbolicLink()) out.push(child);
  }
  return out;
}
