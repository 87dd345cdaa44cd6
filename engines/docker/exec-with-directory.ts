// A directory can travel with the command that needs it: packed as a tar archive on the
// exec's stdin and unpacked by the container's own tar in the same exec. That saves the
// separate archive upload: one engine round trip, about 50 ms on a local engine, and an
// oracle trial makes two copies. The upload stays the fallback for an exec that cannot
// unpack the archive itself. It needs only exec and copyIn, so any engine's container may use it.

import type { ExecOptions, ExecResult, TrialContainer } from '../../core/container.js';
import { ERROR_CODES, PairbenchError } from '../../core/errors.js';
import { packDirectoryAt } from '../tar.js';

const STDIN_COPY_REFUSED = 'pairbench: cannot unpack through stdin here (needs root and tar)';
const STDIN_COPY_FAILED = 'pairbench: unpacking the archive from stdin failed';

/**
 * Copies `hostDir`'s contents to `containerDir`, then runs `command` (a bash string), in one
 * exec when it can. `options` apply to the whole exec, so a timeout also bounds the unpack.
 * The command reads /dev/null, as any exec without stdin does. Where the exec runs as a
 * non-root user or the image has no tar, it falls back to `copyIn` then the command alone.
 * Throws CONTAINER_FAILED (outcome container_failed) when the archive does not unpack, as a
 * failed upload would.
 */
export async function execWithDirectory(
  container: Pick<TrialContainer, 'exec' | 'copyIn' | 'name'>,
  hostDir: string,
  containerDir: string,
  command: string,
  options: Omit<ExecOptions, 'stdin'> = {},
): Promise<ExecResult> {
  // The same archive copyIn uploads, extracted at / as the engine does: missing parents are
  // created, existing ones keep their modes. TAR_OPTIONS from the caller's env must not apply.
  const archive = await packDirectoryAt(hostDir, containerDir);
  const script = [
    `if [ "$EUID" -ne 0 ] || ! command -v tar >/dev/null 2>&1; then echo ${shellQuote(STDIN_COPY_REFUSED)} >&2; exit 1; fi`,
    `TAR_OPTIONS= tar -x -f - -C / || { echo ${shellQuote(STDIN_COPY_FAILED)} >&2; exit 1; }`,
    `{ ${command}\n} </dev/null`,
  ].join('\n');
  const run = await container.exec(script, { ...options, stdin: archive });
  if (run.exitCode === 1 && run.stderr.includes(STDIN_COPY_REFUSED)) {
    await container.copyIn(hostDir, containerDir);
    return container.exec(command, options);
  }
  if (run.exitCode === 1 && run.stderr.includes(STDIN_COPY_FAILED)) {
    const detail = run.stderr.replace(STDIN_COPY_FAILED, '').trim();
    throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `cannot copy ${hostDir} into ${container.name}:${containerDir}${detail ? `: ${detail}` : ''}`, {
      outcome: 'container_failed',
    });
  }
  return run;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
