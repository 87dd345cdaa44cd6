// A trial directory holds what an untrusted container wrote through its binds, so once the
// container is gone the host takes it back: no setuid or setgid bit survives, FIFOs, sockets
// and device nodes are removed, nothing stays writable by other users, and everything
// belongs to the user who ran pairbench (SUDO_UID/SUDO_GID under sudo). Links are kept as
// links and never followed: every step works on the entry itself (lstat, lchown, and chmod
// only on what lstat says is a file or a directory).

import { chmod, lchown, lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { TrialContainer } from '../core/container.js';
import { SHELL_IDS } from '../verifier/sealed.js';

export interface Owner {
  uid: number;
  gid: number;
}

/** Who the trial's files belong to: the caller of sudo when run through sudo, else whoever runs pairbench. */
export function trialDirOwner(env: NodeJS.ProcessEnv = process.env): Owner {
  const self = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  if (self.uid !== 0 || env.SUDO_UID === undefined) return self;
  const uid = Number(env.SUDO_UID);
  const gid = Number(env.SUDO_GID ?? env.SUDO_UID);
  return Number.isInteger(uid) && uid >= 0 && Number.isInteger(gid) && gid >= 0 ? { uid, gid } : self;
}

export interface SanitizeReport {
  removed: string[]; // special files, relative to the trial directory
  unreadable: string[]; // entries that could not be made safe (not ours to change)
}

/** Mode bits never left on a file the container wrote: setuid, setgid, and write for others. */
const STRIP = 0o6002;

/**
 * Makes `trialDir` safe to leave on the host. Best effort per entry: an entry that cannot be
 * changed (not ours, when pairbench runs unprivileged) is listed, never fatal.
 */
export async function sanitizeTrialDir(trialDir: string, owner: Owner = trialDirOwner()): Promise<SanitizeReport> {
  const report: SanitizeReport = { removed: [], unreadable: [] };
  async function visit(abs: string): Promise<void> {
    let st;
    try {
      st = await lstat(abs);
    } catch {
      return; // gone
    }
    const rel = path.relative(trialDir, abs) || '.';
    if (!st.isFile() && !st.isDirectory() && !st.isSymbolicLink()) {
      await rm(abs, { force: true }).then(
        () => report.removed.push(rel),
        () => report.unreadable.push(rel),
      );
      return;
    }
    try {
      if (!st.isSymbolicLink() && (st.mode & STRIP) !== 0) await chmod(abs, st.mode & 0o7777 & ~STRIP);
      if (st.uid !== owner.uid || st.gid !== owner.gid) await lchown(abs, owner.uid, owner.gid);
      // chown clears setuid/setgid on files on Linux, but not on every system: check again.
      if (!st.isSymbolicLink()) {
        const after = await lstat(abs);
        if ((after.mode & STRIP) !== 0) await chmod(abs, after.mode & 0o7777 & ~STRIP);
      }
    } catch {
      report.unreadable.push(rel);
    }
    if (st.isDirectory()) {
      let names: string[] = [];
      try {
        names = await readdir(abs);
      } catch {
        report.unreadable.push(rel);
      }
      for (const n of names) await visit(path.join(abs, n));
    }
  }
  await visit(path.resolve(trialDir));
  return report;
}

const IN_CONTAINER_TIMEOUT_MS = 30_000;

/**
 * The same from inside the container before it is removed, as the user its execs run as:
 * the only way to take back files the container's root made when pairbench itself runs
 * unprivileged. Best effort (an image without find or chmod, a container already gone): the
 * host pass after teardown follows either way.
 */
export async function handBackFromInside(container: TrialContainer, dirs: readonly string[], owner: Owner): Promise<void> {
  await container.exec(['sh', '-c', handBackScript(dirs, owner)], { timeoutMs: IN_CONTAINER_TIMEOUT_MS }).catch(() => undefined);
}

/**
 * handBackFromInside's work as a shell snippet, for an exec that runs last anyway (the
 * verifier's). Always succeeds. One `find` does it all where find is GNU's: it deletes the
 * special files, and hands only the entries that need it to chmod and chown (none, most
 * often, so neither runs). Links are skipped by chmod, which would follow them, and changed
 * in place by `chown -h`. Any other find (busybox's lacks -uid) fails on the expression, and
 * the three-pass form follows: the same result, two processes more.
 */
export function handBackScript(dirs: readonly string[], owner: Owner): string {
  const list = dirs.join(' ');
  const own = `${owner.uid}:${owner.gid}`;
  return [
    SHELL_IDS,
    `if [ "$uid" = 0 ]; then set -- \\( ! -uid ${owner.uid} -o ! -gid ${owner.gid} \\) -exec chown -h ${own} {} +; else set -- -false; fi`,
    `find ${list} -xdev \\( -type p -o -type s -o -type b -o -type c \\) -delete -o \\( ! -type l -perm /6002 -exec chmod u-s,g-s,o-w {} + -false \\) -o "$@" 2>/dev/null || {`,
    `  find ${list} -xdev \\( -type p -o -type s -o -type b -o -type c \\) -delete 2>/dev/null`,
    `  chmod -R u-s,g-s,o-w ${list} 2>/dev/null`,
    `  [ "$uid" = 0 ] && chown -hR ${own} ${list} 2>/dev/null`,
    '}',
    'true',
  ].join('\n');
}

/**
 * Bind directories are 0755, so a container user other than root cannot write them by mode:
 * the host gives the directory to that user's uid. An unprivileged pairbench cannot give a
 * directory away, so there (and only there) it opens the directory to everyone instead.
 */
export async function giveHostDirTo(hostDir: string, user: Owner): Promise<void> {
  if (user.uid === 0) return; // the container's root writes through its own capabilities
  const self = process.getuid?.() ?? 0;
  if (self === 0) await lchown(hostDir, user.uid, user.gid);
  else if (self !== user.uid) await chmod(hostDir, 0o777);
}
