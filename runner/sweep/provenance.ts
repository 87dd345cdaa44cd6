// What a sweep records about where it ran: the commit and whether the tree was dirty (null
// outside a git checkout), and the host.

import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export interface GitState {
  commit: string | null;
  dirty: boolean | null;
}

export async function gitState(cwd: string = process.cwd()): Promise<GitState> {
  try {
    const head = await execa('git', ['rev-parse', 'HEAD'], { cwd, reject: false, timeout: 10_000 });
    if (head.exitCode !== 0) return { commit: null, dirty: null };
    const status = await execa('git', ['status', '--porcelain'], { cwd, reject: false, timeout: 30_000 });
    return { commit: head.stdout.trim(), dirty: status.exitCode === 0 ? status.stdout.trim() !== '' : null };
  } catch {
    return { commit: null, dirty: null }; // git not installed
  }
}

export function hostName(): string {
  return hostname();
}

/** This pairbench's version, from the package.json above this module (source or dist/). */
export function pairbenchVersion(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'pairbench') return pkg.version ?? null;
      } catch {
        return null;
      }
    }
    dir = dirname(dir);
  }
  return null;
}
