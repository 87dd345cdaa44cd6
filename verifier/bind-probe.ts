// The evidence a missing reward is judged by. Before the agent starts, the container writes a
// nonce into its verifier directory and the host must read it back through the bind: then a
// verifier that leaves no reward has been heard, and its exit code decides (see verify.ts).
// A bind the container cannot write (an SELinux-enforcing host without the relabel, a
// read-only or foreign mount) is caught here, before an agent run is wasted on it.

import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { TrialContainer } from '../core/container.js';
import { ERROR_CODES, PairbenchError, errorMessage } from '../core/errors.js';
import { VERIFIER_DIR, verifierHostDir } from './verify.js';

export const BIND_PROBE_FILE = '.pairbench-bind-probe';
const PROBE_TIMEOUT_MS = 30_000;

/** Resolves when the round trip works; throws a substrate error naming the fix otherwise. */
export async function proveVerifierBind(container: TrialContainer, trialDir: string): Promise<void> {
  const nonce = randomBytes(8).toString('hex');
  const inside = `${VERIFIER_DIR}/${BIND_PROBE_FILE}`;
  const host = path.join(verifierHostDir(trialDir), BIND_PROBE_FILE);
  // As the task's own user, with no shell profile: the verifier writes as that user too.
  const wrote = await container.exec(['sh', '-c', 'printf %s "$1" > "$2"', 'probe', nonce, inside], { timeoutMs: PROBE_TIMEOUT_MS });
  let seen: string | null = null;
  let readProblem = '';
  try {
    seen = await readFile(host, 'utf8');
  } catch (e) {
    readProblem = errorMessage(e);
  }
  await rm(host, { force: true }).catch(() => undefined);
  if (wrote.exitCode === 0 && seen === nonce) return;
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
