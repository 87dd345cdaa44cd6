// Verification from a clean, sealed state. The container is the agent's: anything it left
// running or lying in /logs/verifier or /tests could write or fake the reward, and the bound
// host directory may hold links, FIFOs or huge files. So, inside the container, as the user
// its execs run as (root unless the image says otherwise; a non-root agent can only have
// left processes and files of that same user): before tests/test.sh, every process but the
// container's init is stopped and /logs/verifier and /tests are emptied; after it, whatever
// test.sh left running is stopped too, and the reward files are read back through the engine
// (a few KiB at most, regular files only), never by following a path on the host. When the
// verifier is the container's default user, all of it is one exec (runSealed).

import { randomBytes } from 'node:crypto';
import type { ExecResult, TrialContainer } from '../core/container.js';
import { ERROR_CODES, PairbenchError } from '../core/errors.js';
import { REWARD_JSON, REWARD_TXT } from './reward.js';

export const VERIFIER_DIR = '/logs/verifier';
export const TESTS_DIR = '/tests';
export const TEST_STDOUT_PATH = `${VERIFIER_DIR}/test-stdout.txt`;
/** The most a reward file may hold; a reward is a number or a small JSON object. */
export const REWARD_MAX_BYTES = 4096;
/** Each step here runs a few shell builtins; the bound only guards against a wedged container. */
const STEP_TIMEOUT_MS = 30_000;

// Stops every process but pid 1, the container's main command when pid 1 is an init (its
// oldest child: the one that keeps the container alive), and this script's own ancestors
// (the exec and its `timeout` wrapper). Each round stops them first, so nothing forks while
// it is killed, and rounds repeat until none is left. A process is left while any of its
// threads is: a main thread that exited reads as a zombie while its other threads run on,
// and a killed thread that is exiting (PF_EXITING, 0x4) never returns to user space, however
// long it waits for a CPU. Builtins only, without a subshell: the script has no child of its
// own to find in the scan, and under load every process started costs as much as the rest
// of the script. A stat is read whole: a process may put a newline in its own name, and its
// first line would then end in a state of its choosing. `proc` is /proc but for the tests,
// which give the scan a made-up tree.
export const stopStrays = (proc = '/proc'): string => `
stat_of() {
  st=
  { while IFS= read -r l || [ -n "$l" ]; do st="$st$l "; done < "$1"; } 2>/dev/null
  [ -n "$st" ]
}
keep=
{ read -r comm1 < ${proc}/1/comm; } 2>/dev/null
case "$comm1" in docker-init|podman-init|tini|catatonit|dumb-init|init)
  bestt=
  kids=
  for f in ${proc}/1/task/*/children; do
    line=; { read -r line < "$f"; } 2>/dev/null; kids="$kids $line"
  done
  for c in $kids; do
    stat_of ${proc}/$c/stat || continue
    st=\${st##*) }; set -- $st
    if [ -z "$bestt" ] || [ "\${20}" -lt "$bestt" ]; then keep=$c; bestt=\${20}; fi
  done ;;
esac
mine=" 1 $keep $$ "; p=$$
while [ "$p" -gt 1 ]; do
  stat_of ${proc}/$p/stat || break
  st=\${st##*) }; set -- $st; p=$2; mine="$mine$p "
done
strays() {
  left=
  for d in ${proc}/[0-9]*; do
    p=\${d##*/}
    case "$mine" in *" $p "*) continue ;; esac
    for t in $d/task/[0-9]*; do
      stat_of $t/stat || continue
      set -- \${st##*) }
      case "$1" in Z*|X*) continue ;; esac
      [ $((\${7:-0} & 4)) -eq 0 ] || continue
      left="$left $p"; break
    done
  done
}
round=0
while :; do
  strays
  [ -z "$left" ] && break
  round=$((round + 1))
  if [ $round -gt 50 ]; then echo "pairbench: processes kept appearing after 50 rounds" >&2; exit 3; fi
  kill -STOP $left 2>/dev/null
  kill -KILL $left 2>/dev/null
done
`;
const STOP_STRAYS = stopStrays();

/**
 * Sets `uid` and `gid` to the shell's effective ids, read with builtins (`id` where /proc
 * does not say).
 */
export const SHELL_IDS = [
  'uid=; gid=',
  'while read -r k _ e _; do case $k in Uid:) uid=$e ;; Gid:) gid=$e ;; esac; done < /proc/self/status 2>/dev/null',
  '[ -n "$uid" ] || uid=$(id -u)',
  '[ -n "$gid" ] || gid=$(id -g)',
].join('\n');

/**
 * Empties /logs/verifier and removes /tests without following anything in them: rm removes
 * links, FIFOs and trees as they are; chmod first so a tree made unwritable (mode 0500) is no
 * obstacle to its owner. Both only when there is something to remove (builtins tell).
 */
const EMPTY = (() => {
  const entries = `${VERIFIER_DIR}/* ${VERIFIER_DIR}/.[!.]* ${VERIFIER_DIR}/..?* ${TESTS_DIR}`;
  return [
    `for e in ${entries}; do`,
    `  if [ -e "$e" ] || [ -L "$e" ]; then`,
    `    chmod -R u+rwx -- ${VERIFIER_DIR} 2>/dev/null; rm -rf -- ${entries} 2>/dev/null; break`,
    `  fi`,
    `done`,
  ].join('\n');
})();

function unexpected(what: string, r: ExecResult): PairbenchError {
  const why = r.timedOut ? 'timed out' : `exit code ${r.exitCode ?? 'none'}: ${(r.stderr || r.stdout).trim().slice(0, 200)}`;
  return new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `${what} failed (${why})`, { outcome: 'container_failed' });
}

const SEAL = [STOP_STRAYS, EMPTY, 'true'].join('\n');

/** Before tests/test.sh: every stray process stopped, /logs/verifier and /tests empty. */
export async function sealForVerification(container: TrialContainer): Promise<void> {
  const r = await container.exec(['sh', '-c', SEAL], { timeoutMs: STEP_TIMEOUT_MS });
  if (r.exitCode !== 0) throw unexpected('sealing the container for verification', r);
}

/** One reward file as found inside the container. */
export type RewardFile = { kind: 'absent' } | { kind: 'text'; text: string } | { kind: 'refused'; problem: string };

const KIND_WORDS: Record<string, string> = {
  link: 'a symbolic link',
  dir: 'a directory',
  fifo: 'a FIFO',
  other: 'a device or socket',
};

// For each reward file one line "name kind" and, for a regular file, its bytes in hex (so no
// byte is lost to decoding), each block ended by a line "--". od reads one byte past the cap
// and no further: more than the cap is too big, whatever the size, and no process is spent on
// asking it. od's errors are kept out of the bytes (a root agent can make every program print
// to stderr, with a bad /etc/ld.so.preload); a file od cannot read gives a word no hex holds,
// then od's message from a second try.
const UNREADABLE = '!unreadable';
const REWARD_BLOCKS = (names: string[]): string =>
  [
    `for f in ${names.join(' ')}; do`,
    `  p=${VERIFIER_DIR}/$f`,
    `  if [ -L "$p" ]; then echo "$f link"`,
    `  elif [ ! -e "$p" ]; then echo "$f absent"`,
    `  elif [ -d "$p" ]; then echo "$f dir"`,
    `  elif [ -p "$p" ]; then echo "$f fifo"`,
    `  elif [ ! -f "$p" ]; then echo "$f other"`,
    `  else echo "$f file"; od -An -v -tx1 -N ${REWARD_MAX_BYTES + 1} "$p" 2>/dev/null || { echo "${UNREADABLE}"; od -An -N 1 "$p" 2>&1 >/dev/null; }; echo`,
    `  fi`,
    `  echo "--"`,
    `done`,
  ].join('\n');

/** 2 files of hex at 3 characters a byte, with room. */
const REWARD_OUTPUT_BYTES = 64 * 1024;
const REWARD_NAMES = [REWARD_JSON, REWARD_TXT];

/** Reads reward.json and reward.txt through the engine, refusing anything but a small regular file. */
export async function readRewardFiles(container: TrialContainer): Promise<RewardFiles> {
  // test.sh's leftovers are stopped first, so nothing rewrites a file while it is read.
  const r = await container.exec(['sh', '-c', `${STOP_STRAYS}\n${REWARD_BLOCKS(REWARD_NAMES)}`], {
    timeoutMs: STEP_TIMEOUT_MS,
    maxOutputBytes: REWARD_OUTPUT_BYTES,
  });
  if (r.exitCode !== 0 || r.truncated) throw unexpected('reading the reward files', r);
  return parseRewardBlocks(r.stdout, r);
}

export interface RewardFiles {
  json: RewardFile;
  txt: RewardFile;
}

function parseRewardBlocks(text: string, r: ExecResult): RewardFiles {
  const found = new Map<string, RewardFile>();
  for (const block of text.split('\n--\n')) {
    const [head = '', ...rest] = block.replace(/^\n+/, '').split('\n');
    const [name, kind] = head.trim().split(' ');
    if (!name || !REWARD_NAMES.includes(name)) continue;
    found.set(name, toRewardFile(name, kind ?? '', rest.join(' ')));
  }
  const get = (n: string): RewardFile => {
    const f = found.get(n);
    if (!f) throw unexpected('reading the reward files', { ...r, stderr: `no answer for ${n}` });
    return f;
  };
  return { json: get(REWARD_JSON), txt: get(REWARD_TXT) };
}

/** What one sealed verification reports: test.sh's exit code (null when it timed out) and the reward files. */
export type SealedRun = { kind: 'ran'; exitCode: number; files: RewardFiles } | { kind: 'timed-out' };

const UNPACK_FAILED = 'pairbench: unpacking tests/ from stdin failed';

/**
 * The whole verification as one exec, in a plain `sh` (no shell profile the agent could have
 * written runs before the seal): stop every stray process and empty /logs/verifier and /tests;
 * unpack tests/ from stdin; run tests/test.sh in a login bash as a separate exec would; stop
 * what it left running; report its exit code after a marker line, then the reward files; then
 * `after` (the hand-back of the bind directories). The marker carries a random word and only
 * its last occurrence counts: whatever test.sh printed came before it, and nothing is left
 * running to print after it. With `unpack` false, tests/ is taken as already uploaded and the
 * seal as done.
 */
function sealedRunScript(marker: string, unpack: boolean, after: string): string {
  const prepare = unpack
    ? [
        SEAL,
        `echo "${marker} sealed"`,
        SHELL_IDS,
        `if [ "$uid" != 0 ] || ! command -v tar >/dev/null 2>&1; then echo "${marker} upload"; exit 0; fi`,
        `TAR_OPTIONS= tar -x -f - -C / || { echo '${UNPACK_FAILED}' >&2; exit 1; }`,
      ]
    : [];
  return [
    ...prepare,
    `bash -lc 'exec bash ${TESTS_DIR}/test.sh > ${TEST_STDOUT_PATH} 2>&1' </dev/null`,
    'rc=$?',
    STOP_STRAYS,
    `echo "${marker} $rc"`,
    REWARD_BLOCKS(REWARD_NAMES),
    after,
    'exit 0',
  ].join('\n');
}

/**
 * Seals the container, runs tests/test.sh and reads the reward files in one exec (two and an
 * upload when the exec cannot unpack tests/ itself), run through `asVerifier` (the
 * verifier's user, which must be the container's default one, and env). `timeoutMs` bounds
 * each exec whole. `after` runs last, as the same user, once test.sh and all it started are stopped.
 */
export async function runSealed(
  asVerifier: TrialContainer,
  testsDir: string,
  tests: Buffer,
  timeoutMs: number,
  after: string,
  upload: () => Promise<void>,
): Promise<SealedRun> {
  const marker = `pairbench-verified-${randomBytes(8).toString('hex')}`;
  const options = { timeoutMs, maxOutputBytes: REWARD_OUTPUT_BYTES };
  let r = await asVerifier.exec(['sh', '-c', sealedRunScript(marker, true, after)], { ...options, stdin: tests });
  if (r.timedOut) return { kind: 'timed-out' };
  if (!r.stdout.includes(`${marker} sealed\n`)) throw unexpected('sealing the container for verification', r);
  if (r.exitCode === 1 && r.stderr.includes(UNPACK_FAILED)) {
    const detail = r.stderr.replace(UNPACK_FAILED, '').trim();
    throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `cannot copy ${testsDir} into the container's ${TESTS_DIR}${detail ? `: ${detail}` : ''}`, {
      outcome: 'container_failed',
    });
  }
  if (r.exitCode === 0 && r.stdout.endsWith(`\n${marker} upload\n`)) {
    await upload();
    r = await asVerifier.exec(['sh', '-c', sealedRunScript(marker, false, after)], options);
    if (r.timedOut) return { kind: 'timed-out' };
  }
  // The last marker is ours: test.sh's own output came before it, and nothing runs after it.
  const at = r.stdout.lastIndexOf(`${marker} `);
  const [head = '', ...rest] = at < 0 ? [] : r.stdout.slice(at).split('\n');
  const exitCode = Number(head.slice(marker.length + 1));
  if (r.exitCode !== 0 || r.truncated || at < 0 || head.slice(marker.length + 1) === '' || !Number.isInteger(exitCode)) {
    throw unexpected('running the verifier and reading the reward files', r);
  }
  return { kind: 'ran', exitCode, files: parseRewardBlocks(rest.join('\n'), r) };
}

function toRewardFile(name: string, kind: string, hex: string): RewardFile {
  if (kind === 'absent') return { kind: 'absent' };
  if (kind !== 'file') {
    return { kind: 'refused', problem: `not a regular file (${KIND_WORDS[kind] ?? 'something else'}); tests/test.sh must write ${name} as a plain file` };
  }
  if (hex.includes(UNREADABLE)) {
    // Not empty, as the bytes alone would say: the file is there and could not be read.
    const said = hex.split(/\s+/).filter((w) => w !== '' && w !== UNREADABLE && !/^[0-9a-f]{2}$/.test(w)).join(' ').slice(0, 200);
    return { kind: 'refused', problem: `could not be read (${said || 'od failed'}); tests/test.sh must leave ${name} readable by the container's default user, who reads it` };
  }
  // Only bytes, or nothing is taken: a lenient decode would stop at the first stray word.
  if (!/^[\s0-9a-f]*$/.test(hex)) return { kind: 'refused', problem: `could not be read (the read printed something other than its bytes)` };
  const bytes = Buffer.from(hex.replace(/\s+/g, ''), 'hex');
  if (bytes.length > REWARD_MAX_BYTES) {
    return { kind: 'refused', problem: `larger than the ${REWARD_MAX_BYTES} bytes a reward file may hold` };
  }
  return { kind: 'text', text: bytes.toString('utf8') };
}
