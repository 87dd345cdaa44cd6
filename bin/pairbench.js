#!/bin/sh
':' //; case ":${GLIBC_TUNABLES-}" in *:glibc.malloc.hugetlb=*) unset PAIRBENCH_USER_TUNABLES ;; *) export PAIRBENCH_USER_TUNABLES="${GLIBC_TUNABLES-}" GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1" ;; esac; exec node "$0" "$@"
// The line above is for sh, which runs this file first (to Node it is a string and a comment).
// It starts Node with glibc's malloc asking for transparent huge pages: a report's typed arrays
// are tens of MB of fresh memory, and on a host whose THP setting is `madvise` (Debian's and
// Ubuntu's default) each 4 KB of it was a page fault; with 2 MB pages half the faults go and a
// 100k-trial report takes 10% less (npm run bench:report). A user who set the tunable keeps
// theirs, and what pairbench starts gets the user's environment back (core/launch-env.ts).
// The CLI is compiled to dist/ by `npm ci` (the prepare script) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('pairbench is not built: run `npm ci` (or `npm run build`) in the checkout first.\n');
  process.exit(1);
}
await import(main.href);
