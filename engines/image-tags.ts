// Task image tags, the same on every engine: the tag carries a hash of environment/, so a
// second sweep finds its images and builds nothing.

import { createHash } from 'node:crypto';
import { lstat, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedTask } from '../core/task.js';
import { listTree } from './tar.js';

export const TASK_IMAGE_REPO = 'pairbench-task';

/** First 12 hex digits of sha256 over environment/'s paths and bytes, in sorted order. */
export async function environmentHash(environmentDir: string): Promise<string> {
  const h = createHash('sha256');
  for (const rel of await listTree(environmentDir)) {
    const abs = path.join(environmentDir, rel);
    const st = await lstat(abs);
    const kind = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : 'f';
    h.update(`${kind}\u0000${rel}\u0000`);
    if (kind === 'f') h.update(await readFile(abs));
    if (kind === 'l') h.update(await readlink(abs));
    h.update('\u0000');
  }
  return h.digest('hex').slice(0, 12);
}

/** Docker repository names are lowercase [a-z0-9._-]; task directory names may not be. */
export function imageNameFor(taskName: string): string {
  const slug = taskName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return `${TASK_IMAGE_REPO}/${slug || 'task'}`;
}

export async function taskImageTag(task: LoadedTask): Promise<string> {
  return `${imageNameFor(task.name)}:${await environmentHash(task.paths.environmentDir)}`;
}
