// Runs a task's tests/test.sh in the trial container, from a sealed state, and turns the
// reward it writes in /logs/verifier into an outcome. The reward is read through the engine
// (sealed.ts), never through the host side of the bind; the bind and its SELinux relabel
// stay so the verifier's output is kept with the trial, and bind-probe.ts proves the bind
// before the agent starts, so a missing reward here is judged by the verifier's exit code.

import path from 'node:path';
import type { TrialContainer } from '../core/container.js';
import { TRIAL_MOUNTS } from '../engines/mounts.js';
import { ERROR_CODES } from '../core/errors.js';
import type { Outcome } from '../core/outcomes.js';
import type { LoadedTask } from '../core/task.js';
import { REWARD_JSON, REWARD_TXT, isPassingReward, parseReward, type RewardRead } from './reward.js';
import { TESTS_DIR, TEST_STDOUT_PATH, VERIFIER_DIR, readRewardFiles, runSealed, sealForVerification, type RewardFile } from './sealed.js';
import { packDirectoryAt } from '../engines/tar.js';

export { VERIFIER_DIR };
export const TEST_STDOUT = TEST_STDOUT_PATH;

export interface VerifierResult {
  status: Outcome;
  reward: number | null;
  rewards: Record<string, number> | null;
  errorCode: string | null;
  errorMessage: string | null;
}

/** Host directory bound to /logs/verifier, as the mount file lays it out. */
export function verifierHostDir(trialDir: string): string {
  const mount = TRIAL_MOUNTS.find((m) => m.containerPath === VERIFIER_DIR);
  return path.join(path.resolve(trialDir), mount?.hostSubdir ?? 'logs/verifier');
}

/** The verdict, and whether the `after` script ran in the container once test.sh was done. */
export interface VerifierRun {
  verdict: VerifierResult;
  afterRan: boolean;
}

/**
 * Throws only when the container itself fails (PairbenchError from the engine); every verifier
 * problem is a result. `after` (a POSIX shell snippet) runs in the same exec as the
 * verification, once test.sh and everything it started are stopped, when the verifier runs as
 * the container's default user; `afterRan` says whether it did.
 */
export async function runVerifier(
  container: TrialContainer,
  task: LoadedTask,
  trialDir: string,
  /** test.sh runs here: the verifier's view ([verifier] user and resolved env); sealing and reading stay with `container`. */
  asVerifier: TrialContainer = container,
  after = 'true',
): Promise<VerifierRun> {
  const { timeoutSec, user } = task.config.verifier;
  const hostDir = verifierHostDir(trialDir);
  const timedOut = (): VerifierResult =>
    substrate(
      'verifier_timeout',
      ERROR_CODES.VERIFIER_TIMEOUT,
      `tests/test.sh ran past the verifier timeout of ${timeoutSec} s ([verifier] timeout_sec); its output so far is in ${path.join(hostDir, 'test-stdout.txt')}`,
    );
  if (user === null) {
    // The verifier is the container's default user, who seals and reads too: all in one exec,
    // which the verifier timeout bounds whole (the seal and the read take milliseconds).
    const tests = await packDirectoryAt(task.paths.testsDir, TESTS_DIR);
    const run = await runSealed(asVerifier, task.paths.testsDir, tests, timeoutSec * 1000, after, () => container.copyIn(task.paths.testsDir, TESTS_DIR));
    if (run.kind === 'timed-out') return { verdict: timedOut(), afterRan: false };
    return { verdict: fromRead(toRead(run.files), hostDir, run.exitCode), afterRan: true };
  }
  // A [verifier] user of its own: sealed and read as the container's default user, test.sh as its user.
  await sealForVerification(container);
  // tests/ travels on the exec's stdin, so the timeout bounds the copy as well as test.sh.
  const run = await asVerifier.execWithDirectory(task.paths.testsDir, TESTS_DIR, `bash /tests/test.sh > ${TEST_STDOUT} 2>&1`, {
    timeoutMs: timeoutSec * 1000,
    maxOutputBytes: 64 * 1024, // output goes to the file; this only bounds stray noise
  });
  if (run.timedOut) return { verdict: timedOut(), afterRan: false };
  return { verdict: fromRead(toRead(await readRewardFiles(container)), hostDir, run.exitCode), afterRan: false };
}

/** A refused file (a link, a FIFO, a directory, too big) is invalid where it would have been read. */
function toRead(files: { json: RewardFile; txt: RewardFile }): RewardRead {
  if (files.json.kind === 'refused') return { kind: 'invalid', file: REWARD_JSON, problem: files.json.problem };
  if (files.json.kind === 'absent' && files.txt.kind === 'refused') return { kind: 'invalid', file: REWARD_TXT, problem: files.txt.problem };
  const text = (f: RewardFile): string | null => (f.kind === 'text' ? f.text : null);
  return parseReward({ json: text(files.json), txt: text(files.txt) });
}

export function fromRead(read: RewardRead, hostDir: string, exitCode: number | null): VerifierResult {
  const where = (file: string): string => `${VERIFIER_DIR}/${file} (host: ${path.join(hostDir, file)})`;
  switch (read.kind) {
    case 'ok':
      return {
        status: isPassingReward(read.reward) ? 'pass' : 'fail',
        reward: read.reward,
        rewards: read.rewards,
        errorCode: null,
        errorMessage: null,
      };
    case 'missing':
      // The bind was proven writable before the agent started (bind-probe.ts), so a missing
      // reward is the verifier's own word: a non-zero exit is a failed test (a `set -e`
      // verifier stops before writing), exit 0 without a reward is a bug in the task.
      if (exitCode !== 0 && exitCode !== null) {
        return {
          status: 'fail',
          reward: 0,
          rewards: null,
          errorCode: ERROR_CODES.VERIFIER_FAILED,
          errorMessage: `tests/test.sh exited ${exitCode} without writing a reward: the tests failed, reward 0 (looked for ${read.looked.map(where).join(' and ')})`,
        };
      }
      return substrate(
        'reward_missing',
        ERROR_CODES.REWARD_MISSING,
        `tests/test.sh exited ${exitCode ?? 'none'} but wrote no reward: looked for ${read.looked.map(where).join(' and ')}. ` +
          `The container was proven able to write ${VERIFIER_DIR} before the agent started, so this is a bug in the task's tests/test.sh: it must write a reward.`,
      );
    case 'empty':
      return substrate('reward_empty', ERROR_CODES.REWARD_EMPTY, `${where(read.file)} is empty (tests/test.sh exit code ${exitCode ?? 'none'})`);
    case 'invalid':
      return substrate('reward_invalid', ERROR_CODES.REWARD_INVALID, `${where(read.file)} is not a valid reward: ${read.problem}`);
  }
}

function substrate(status: Outcome, errorCode: string, errorMessage: string): VerifierResult {
  return { status, reward: null, rewards: null, errorCode, errorMessage };
}
