// The evidence a missing reward is judged by. Before the agent starts, the container writes a
// nonce into its verifier directory and the host must read it back through the bind: then a
// verifier that leaves no reward has been heard, and its exit code decides (see verify.ts).
// A bind the container cannot write (an SELinux-enforcing host without the relabel, a
// read-only or foreign mount) is caught here, before an agent run is wasted on it.
// The same script first says who the container's execs run as and who the task's named users
// are, since the host must give the bind directories to them before a non-root user writes.
// It runs as the container boots (TrialContainerSpec.boot), as the image's user, who is the
// user its execs run as: no exec is spent on it unless that user is not root.

import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ExecResult, TrialContainer } from '../core/container.js';
import { ERROR_CODES, PairbenchError, errorMessage } from '../core/errors.js';
import { SHELL_IDS } from './sealed.js';
import { VERIFIER_DIR, verifierHostDir } from './verify.js';

export const BIND_PROBE_FILE = '.pairbench-bind-probe';
const PROBE_TIMEOUT_MS = 30_000;

export interface Ids {
  uid: number;
  gid: number;
}

export interface ProbedUsers {
  /** Who execs run as by default (the image's USER): who runs tests/test.sh. */
  execUser: Ids;
  /** Each user asked about, in the order asked. */
  named: Ids[];
}

export interface ProbeOptions {
  /** Called with the users before the nonce is written by a non-root user (the host gives it the bind directories). */
  beforeWrite?: (users: ProbedUsers) => Promise<void>;
}

/** One trial's probe: its nonce, the users it asks about, and the script the container boots with. */
export interface BindProbe {
  nonce: string;
  users: string[];
  boot: { script: string; timeoutMs: number };
}

// $1 nonce, $2 the file, then the names. Root writes the nonce in the same script (it writes
// through its capabilities whoever owns the directory); any other user says `later`, and
// writes in an exec once the host has given it the directory.
const LOOKUP_AND_WRITE = [
  'nonce=$1; file=$2; shift 2',
  SHELL_IDS,
  'echo "self $uid $gid"',
  'for u; do nu=$(id -u -- "$u") && ng=$(id -g -- "$u") || exit 4; echo "user $nu $ng"; done',
  '[ "$uid" = 0 ] || { echo later; exit 0; }',
  'printf %s "$nonce" > "$file"',
].join('\n');
const WRITE = 'printf %s "$1" > "$2"';

const INSIDE = `${VERIFIER_DIR}/${BIND_PROBE_FILE}`;

/** A fresh probe asking about `users` (the task's [agent] and [verifier] users); its boot goes into the container's spec. */
export function planBindProbe(users: string[] = []): BindProbe {
  const nonce = randomBytes(8).toString('hex');
  const args = [nonce, INSIDE, ...users].map(shellQuote).join(' ');
  return { nonce, users, boot: { script: `set -- ${args}\n${LOOKUP_AND_WRITE}`, timeoutMs: PROBE_TIMEOUT_MS } };
}

/**
 * Resolves with the users when the round trip works; throws a substrate error naming the fix
 * otherwise. `container` was created with `probe.boot`, which did the look-up (and, as root, the write).
 */
export async function proveVerifierBind(container: TrialContainer, trialDir: string, probe: BindProbe, options: ProbeOptions = {}): Promise<ProbedUsers> {
  const { nonce, users: names } = probe;
  const inside = INSIDE;
  const host = path.join(verifierHostDir(trialDir), BIND_PROBE_FILE);
  // As the task's own user, with no shell profile: the verifier writes as that user too.
  let wrote = container.boot;
  if (wrote === null) {
    throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `container ${container.name} was started without the bind probe's boot script`, { outcome: 'container_failed' });
  }
  const users = usersFrom(wrote, names);
  await options.beforeWrite?.(users);
  if (wrote.exitCode === 0 && wrote.stdout.endsWith('later\n')) {
    wrote = await container.exec(['sh', '-c', WRITE, 'probe', nonce, inside], { timeoutMs: PROBE_TIMEOUT_MS });
  }
  let seen: string | null = null;
  let readProblem = '';
  try {
    seen = await readFile(host, 'utf8');
  } catch (e) {
    readProblem = errorMessage(e);
  }
  await rm(host, { force: true }).catch(() => undefined);
  if (wrote.exitCode === 0 && seen === nonce) return users;
  const why =
    wrote.exitCode !== 0
      ? `the container could not write ${inside} (${wrote.timedOut ? 'timed out' : `exit ${wrote.exitCode}: ${wrote.stderr.trim() || 'no message'}`})`
      : `the container wrote ${inside} but the host does not see it at ${host} (${readProblem || 'different contents'})`;
  throw new PairbenchError(
    ERROR_CODES.VERIFIER_BIND_UNWRITABLE,
    `${why}, so no verifier could leave a reward; the agent was not started. ` +
      `On an SELinux-enforcing host the bind needs relabelling: run with --selinux on.`,
    { outcome: 'container_failed' },
  );
}

/** The ids the probe printed; a user the image lacks, or no answer at all, is the container's failure. */
function usersFrom(r: ExecResult, names: string[]): ProbedUsers {
  const ids = (line: string | undefined): Ids | null => {
    const [, uid, gid] = (line ?? '').split(' ').map(Number);
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid: uid!, gid: gid! } : null;
  };
  const lines = r.stdout.split('\n');
  const self = ids(lines.find((l) => l.startsWith('self ')));
  if (r.timedOut || self === null) {
    const why = r.timedOut ? 'timed out' : `exit code ${r.exitCode ?? 'none'}: ${(r.stderr || r.stdout).trim().slice(0, 200)}`;
    throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `asking the container for its user failed (${why})`, { outcome: 'container_failed' });
  }
  const named = lines.filter((l) => l.startsWith('user ')).map(ids);
  if (r.exitCode === 4 && named.length < names.length) {
    throw new PairbenchError(
      ERROR_CODES.CONTAINER_FAILED,
      `the task's user ${JSON.stringify(names[named.length])} does not exist in its image: ${r.stderr.trim()}`,
      { outcome: 'container_failed' },
    );
  }
  const found = named.filter((n): n is Ids => n !== null);
  if (found.length !== names.length) {
    throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `asking the container for the task's users failed: ${r.stdout.trim().slice(0, 200)}`, { outcome: 'container_failed' });
  }
  return { execUser: self, named: found };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
