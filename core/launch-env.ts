// bin/pairbench.js starts Node with glibc's malloc asking for transparent huge pages
// (GLIBC_TUNABLES) and keeps the user's own value in PAIRBENCH_USER_TUNABLES. glibc reads
// tunables only as a process starts, so once Node runs the user's value goes back: a model
// server, an agent or git that pairbench starts gets the environment the user gave, and
// allocates as it would without pairbench. A user who set the tunable either way keeps it.

const HUGE_PAGES = 'glibc.malloc.hugetlb=1';
const SAVED = 'PAIRBENCH_USER_TUNABLES';

/** The user's tunables with the launcher's appended, as the launcher's sh line builds them. */
const added = (tunables: string): string => (tunables === '' ? HUGE_PAGES : `${tunables}:${HUGE_PAGES}`);

/** Whether `tunables` already says something of huge pages (then the user's word stands). */
export const choseHugePages = (tunables: string | undefined): boolean => /(?:^|:)glibc\.malloc\.hugetlb=/.test(tunables ?? '');

/** `env` as the launcher hands it to Node: the tunable added, the user's value kept aside. */
export function withHugePages(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const tunables = env.GLIBC_TUNABLES ?? '';
  if (choseHugePages(tunables)) return env;
  return { ...env, [SAVED]: tunables, GLIBC_TUNABLES: added(tunables) };
}

/**
 * Gives `env` back as the user set it; true when the launcher had changed it. A saved value is
 * only trusted beside the tunables the launcher builds from it: one inherited from elsewhere
 * (a pairbench that started this one's parent) is dropped, and the tunables stay as they are.
 */
export function restoreUserTunables(env: NodeJS.ProcessEnv = process.env): boolean {
  const saved = env[SAVED];
  if (saved === undefined) return false;
  delete env[SAVED];
  if (env.GLIBC_TUNABLES !== added(saved)) return false;
  if (saved === '') delete env.GLIBC_TUNABLES;
  else env.GLIBC_TUNABLES = saved;
  return true;
}
