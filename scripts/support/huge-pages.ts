// A benchmark that times pairbench's code in its own process runs it as bin/pairbench.js
// starts pairbench: with glibc's malloc asking for transparent huge pages. Without, the
// in-process figures would carry page faults `pairbench` does not pay. Started otherwise,
// the benchmark starts itself again so (its floors' child processes inherit the setting,
// which leaves the sqlite3 floor as it was: it allocates little).

import { spawnSync } from 'node:child_process';

export const HUGE_PAGES = 'glibc.malloc.hugetlb=1';

export function runWithHugePages(): void {
  const tunables = process.env.GLIBC_TUNABLES ?? '';
  if (tunables.split(':').includes(HUGE_PAGES)) return;
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, GLIBC_TUNABLES: tunables === '' ? HUGE_PAGES : `${tunables}:${HUGE_PAGES}` },
  });
  process.exit(r.status ?? 1);
}
