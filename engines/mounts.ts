// The trial's mount file: fresh host directories for /logs/verifier and /logs/agent, written
// as a compose-style `volumes:` list in the trial directory. The container is created from
// what this file says, read back, so what a user inspects is what was applied. With the
// SELinux relabel on, every bind carries `:z`; without it a verifier on an enforcing host
// cannot write its reward and the trial would look like an agent failure.

import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SelinuxMode } from '../core/trial.js';
import { ERROR_CODES, PairbenchError, errorMessage } from '../core/errors.js';

export const MOUNT_FILE_NAME = 'mounts.yaml';
export const DEFAULT_SELINUX_ENFORCE_FILE = '/sys/fs/selinux/enforce';

/** The container side of each bind, in the order they are written. */
export const TRIAL_MOUNTS = [
  { hostSubdir: 'logs/verifier', containerPath: '/logs/verifier' },
  { hostSubdir: 'logs/agent', containerPath: '/logs/agent' },
] as const;

export interface SelinuxProbe {
  enforceFile?: string;
  securityOptions?: string[];
}

/** `auto` relabels when the host enforces SELinux or the engine says it runs with it. */
export async function resolveSelinux(mode: SelinuxMode, probe: SelinuxProbe = {}): Promise<boolean> {
  if (mode === 'on') return true;
  if (mode === 'off') return false;
  if ((probe.securityOptions ?? []).some((o) => o.split(',').includes('name=selinux'))) return true;
  try {
    const text = await readFile(probe.enforceFile ?? DEFAULT_SELINUX_ENFORCE_FILE, 'utf8');
    return text.trim() === '1';
  } catch {
    return false; // no selinuxfs: SELinux is not enforcing here
  }
}

export interface MountFile {
  path: string;
  binds: string[];
}

/**
 * Creates fresh log directories under `trialDir`, 0755 and never world-writable (the
 * container's root writes through its capabilities; a non-root container user is given its
 * directory from inside the container), and writes `trialDir/mounts.yaml`. Refuses when
 * either directory already exists, so a stale reward from an earlier attempt can never be read.
 */
export async function writeMountFile(trialDir: string, relabel: boolean): Promise<MountFile> {
  const root = path.resolve(trialDir);
  if (root.includes(':')) {
    throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `trial directory ${root} contains ':', which a bind mount cannot express`, {
      outcome: 'container_failed',
    });
  }
  await mkdir(path.join(root, 'logs'), { recursive: true });
  await chmod(path.join(root, 'logs'), 0o755);
  const binds: string[] = [];
  for (const m of TRIAL_MOUNTS) {
    const host = path.join(root, m.hostSubdir);
    try {
      await mkdir(host); // not recursive: EEXIST is the stale-directory guard
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'EEXIST' ? 'already exists (a trial directory is never reused)' : errorMessage(e);
      throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `cannot create ${host}: ${why}`, { cause: e, outcome: 'container_failed' });
    }
    await chmod(host, 0o755); // mkdir's mode is filtered by the umask; chmod is exact
    binds.push(relabel ? `${host}:${m.containerPath}:z` : `${host}:${m.containerPath}`);
  }
  const file = path.join(root, MOUNT_FILE_NAME);
  await writeFile(file, renderMountFile(binds, relabel));
  return { path: file, binds };
}

export function renderMountFile(binds: string[], relabel: boolean): string {
  const header = [
    '# pairbench mount file: the binds this trial container was created with, applied as written.',
    relabel
      ? '# SELinux relabel: on (every bind carries :z so the container may write to it).'
      : '# SELinux relabel: off (the host does not enforce SELinux, or --selinux off).',
  ];
  return [...header, 'volumes:', ...binds.map((b) => `  - ${JSON.stringify(b)}`), ''].join('\n');
}

const BIND_OPTIONS = new Set(['z', 'Z', 'ro', 'rw']);

/** Parses exactly the format `writeMountFile` writes; every problem is reported at once. */
export async function readMountFile(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `cannot read mount file ${file}: ${errorMessage(e)}`, {
      cause: e,
      outcome: 'container_failed',
    });
  }
  const { binds, problems } = parseMountFile(text);
  if (problems.length > 0) {
    throw new PairbenchError(
      ERROR_CODES.CONTAINER_FAILED,
      `malformed mount file ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { outcome: 'container_failed' },
    );
  }
  return binds;
}

export function parseMountFile(text: string): { binds: string[]; problems: string[] } {
  const binds: string[] = [];
  const problems: string[] = [];
  let sawVolumes = false;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const at = `line ${i + 1}`;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    if (line === 'volumes:') {
      if (sawVolumes) problems.push(`${at}: a second "volumes:" key`);
      sawVolumes = true;
      return;
    }
    const item = /^ {2}- (.+)$/.exec(line);
    if (!item) {
      problems.push(`${at}: expected "volumes:" or a "  - host:container[:opts]" entry, got ${JSON.stringify(line)}`);
      return;
    }
    if (!sawVolumes) {
      problems.push(`${at}: a list entry before "volumes:"`);
      return;
    }
    let entry = item[1]!.trim();
    if (entry.startsWith('"')) {
      try {
        const parsed: unknown = JSON.parse(entry);
        if (typeof parsed !== 'string') throw new Error('not a string');
        entry = parsed;
      } catch {
        problems.push(`${at}: unterminated or invalid quoted string ${entry}`);
        return;
      }
    }
    const bad = checkBind(entry);
    if (bad) problems.push(`${at}: ${bad}`);
    else binds.push(entry);
  });
  if (!sawVolumes) problems.push('no "volumes:" key');
  else if (binds.length === 0 && problems.length === 0) problems.push('"volumes:" lists no binds');
  return { binds, problems };
}

function checkBind(entry: string): string | null {
  const parts = entry.split(':');
  if (parts.length < 2 || parts.length > 3) return `${JSON.stringify(entry)} is not host:container[:options]`;
  const [host, container, opts] = parts as [string, string, string | undefined];
  if (!path.isAbsolute(host)) return `host path ${JSON.stringify(host)} is not absolute`;
  if (!container.startsWith('/')) return `container path ${JSON.stringify(container)} is not absolute`;
  if (host.endsWith('docker.sock') || container.endsWith('docker.sock')) return 'the Docker socket is never mounted into a trial';
  if (opts !== undefined) {
    const unknown = opts.split(',').filter((o) => !BIND_OPTIONS.has(o));
    if (opts === '' || unknown.length > 0) return `unknown bind option(s) ${JSON.stringify(opts)} (allowed: z, Z, ro, rw)`;
  }
  return null;
}
