#!/usr/bin/env bash
# `npm test`: set up whatever is missing, then run the whole suite (unit and real-Docker e2e).
# Arguments pass through to vitest, e.g. `npm test -- test/unit/mounts.test.ts`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec npx vitest run "$@"
