#!/usr/bin/env bash
# `npm test`: set up whatever is missing, then run the whole suite (unit and real-Docker e2e).
# Arguments pass through to vitest, e.g. `npm test -- test/unit/mounts.test.ts`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh

# Only the tests need a browser: the HTML report test renders in Debian's chromium.
if [ ! -x /usr/bin/chromium ]; then
  if [ -f /etc/debian_version ] && [ "$(id -u)" -eq 0 ]; then
    bash scripts/apt-install.sh chromium
  else
    echo "pairbench: /usr/bin/chromium is missing; the HTML report test needs it (install chromium)" >&2
  fi
fi

exec npx vitest run "$@"
