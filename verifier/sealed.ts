// Verification from a clean, sealed state. The container is the agent's: anything it left
// running or lying in /logs/verifier or /tests could write or fake the reward, and the bound
// host directory may hold links, FIFOs or huge files. So, inside the container, as the user
// its execs run as (root unless the image says otherwise; a non-root agent can only have
// left processes and files of that same user): before tests/test.sh, every process but the
// container's init is stopped and /logs/verifier and /tests are emptied; after it, whatever
// test.sh left running is stopped too, and the reward files are read back through the engine
// (one exec, a few KiB at most, regular files only), never by following a path on the host.

import type { ExecResult, TrialContainer } from '../core/container.js';
import { ERROR_CODES, PairbenchError } from '../core/errors.js';
import { REWARD_JSON, REWARD_TXT } from './reward.js';

export const VERIFIER_DIR = '/logs/verifier';
export const TESTS_DIR = '/tests';
/** The most a reward file may hold; a reward is a number or a small JSON object. */
export const REWARD_MAX_BYTES = 4096;
/** Each step here runs a few shell builtins; the bound only guards against a wedged container. */
const STEP_TIMEOUT_MS = 30_000;

// Stops every process but pid 1, the container's main command when pid 1 is an init (its
// oldest child: the one that keeps the container alive), and this script's own ancestors
// (the exec and its `timeout` wrapper). Each round stops them first, so nothing forks while
// it is killed, and rounds repeat until none is left. Builtins only, so the script's own
// children do not appear in the scan.
const STOP_STRAYS = `
keep=
{ read -r comm1 < /proc/1/comm; } 2>/dev/null
case "$comm1" in docker-init|podman-init|tini|catatonit|dumb-init|init)
  bestt=
  for c in $(cat /proc/1/task/*/children 2>/dev/null); do
    { read -r st < /proc/$c/stat; } 2>/dev/null || continue
    st=\${st##*) }; set -- $st
    if [ -z "$bestt" ] || [ "\${20}" -lt "$bestt" ]; then keep=$c; bestt=\${20}; fi
  done ;;
esac
mine=" 1 $keep $$ "; p=$$
while [ "$p" -gt 1 ]; do
  { read -r st < /proc/$p/stat; } 2>/dev/null || break
  st=\${st##*) }; set -- $st; p=$2; mine="$mine$p "
done
strays() {
  { read -r me _ < /proc/self/stat; } 2>/dev/null
  for d in /proc/[0-9]*; do
    p=\${d#/proc/}
    case "$mine $me " in *" $p "*) continue ;; esac
    { read -r st < $d/stat; } 2>/dev/null || continue
    case "\${st##*) }" in Z*|X*) continue ;; esac
    echo $p
  done
}
round=0
while :; do
  left=$(strays)
  [ -z "$left" ] && break
  round=$((round + 1))
  if [ $round -gt 50 ]; then echo "pairbench: processes kept appearing after 50 rounds" >&2; exit 3; fi
  kill -STOP $left 2>/dev/null
  kill -KILL $left 2>/dev/null
done
`;

/**
 * Empties a directory without following anything in it: rm removes links, FIFOs and trees as
 * they are; chmod first so a tree made unwritable (mode 0500) is no obstacle to its owner.
 */
const emptyDir = (dir: string): string =>
  `chmod -R u+rwx -- ${dir} 2>/dev/null; rm -rf -- ${dir}/* ${dir}/.[!.]* ${dir}/..?* 2>/dev/null; true`;

function unexpected(what: string, r: ExecResult): PairbenchError {
  const why = r.timedOut ? 'timed out' : `exit code ${r.exitCode ?? 'none'}: ${(r.stderr || r.stdout).trim().slice(0, 200)}`;
  return new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `${what} failed (${why})`, { outcome: 'container_failed' });
}

/** The uid and gid execs run as by default (the image's USER), which is who runs tests/test.sh. */
export async function defaultExecUser(container: TrialContainer): Promise<{ uid: number; gid: number }> {
  const r = await container.exec(['sh', '-c', 'id -u; id -g'], { timeoutMs: STEP_TIMEOUT_MS });
  const [uid, gid] = r.stdout.trim().split('\n').map(Number);
  if (r.exitCode !== 0 || !Number.isInteger(uid) || !Number.isInteger(gid)) throw unexpected('asking the container for its user', r);
  return { uid: uid!, gid: gid! };
}

/** Before tests/test.sh: every stray process stopped, /logs/verifier and /tests empty. */
export async function sealForVerification(container: TrialContainer): Promise<void> {
  const script = [
    STOP_STRAYS,
    emptyDir(VERIFIER_DIR),
    `rm -rf -- ${TESTS_DIR} 2>/dev/null; true`,
  ].join('\n');
  const r = await container.exec(['sh', '-c', script], { timeoutMs: STEP_TIMEOUT_MS });
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

// After test.sh: its leftovers stopped, then for each reward file one line "name kind size"
// and, for a regular file within the cap, its bytes in hex (so no byte is lost to decoding).
const READ_REWARDS = (names: string[]): string =>
  [
    STOP_STRAYS,
    `for f in ${names.join(' ')}; do`,
    `  p=${VERIFIER_DIR}/$f`,
    `  if [ -L "$p" ]; then echo "$f link 0"`,
    `  elif [ ! -e "$p" ]; then echo "$f absent 0"`,
    `  elif [ -d "$p" ]; then echo "$f dir 0"`,
    `  elif [ -p "$p" ]; then echo "$f fifo 0"`,
    `  elif [ ! -f "$p" ]; then echo "$f other 0"`,
    `  else s=$(wc -c < "$p"); s=$((s + 0)); echo "$f file $s"`,
    `    if [ "$s" -le ${REWARD_MAX_BYTES} ]; then od -An -v -tx1 "$p"; echo; fi`,
    `  fi`,
    `  echo "--"`,
    `done`,
  ].join('\n');

/** Reads reward.json and reward.txt through the engine, refusing anything but a small regular file. */
export async function readRewardFiles(container: TrialContainer): Promise<{ json: RewardFile; txt: RewardFile }> {
  const names = [REWARD_JSON, REWARD_TXT];
  const r = await container.exec(['sh', '-c', READ_REWARDS(names)], {
    timeoutMs: STEP_TIMEOUT_MS,
    maxOutputBytes: 64 * 1024, // 2 files of hex at 3 characters a byte, with room
  });
  if (r.exitCode !== 0 || r.truncated) throw unexpected('reading the reward files', r);
  const found = new Map<string, RewardFile>();
  for (const block of r.stdout.split('\n--\n')) {
    const [head = '', ...rest] = block.replace(/^\n+/, '').split('\n');
    const [name, kind, size] = head.trim().split(' ');
    if (!name || !names.includes(name)) continue;
    found.set(name, toRewardFile(name, kind ?? '', Number(size), rest.join(' ')));
  }
  const get = (n: string): RewardFile => {
    const f = found.get(n);
    if (!f) throw unexpected('reading the reward files', { ...r, stderr: `no answer for ${n}` });
    return f;
  };
  return { json: get(REWARD_JSON), txt: get(REWARD_TXT) };
}

function toRewardFile(name: string, kind: string, size: number, hex: string): RewardFile {
  if (kind === 'absent') return { kind: 'absent' };
  if (kind !== 'file') {
    return { kind: 'refused', problem: `not a regular file (${KIND_WORDS[kind] ?? 'something else'}); tests/test.sh must write ${name} as a plain file` };
  }
  if (!(size <= REWARD_MAX_BYTES)) {
    return { kind: 'refused', problem: `${size} bytes, larger than the ${REWARD_MAX_BYTES} bytes a reward file may hold` };
  }
  const bytes = Buffer.from(hex.replace(/\s+/g, ''), 'hex');
  return { kind: 'text', text: bytes.toString('utf8') };
}
