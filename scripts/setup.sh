#!/usr/bin/env bash
# Everything `npm run demo` and `npm test` need, done only when missing, silent otherwise:
# npm dependencies, the compiled CLI, a container engine and the local base image.
# Idempotent; safe to run any number of times.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# npm ci records what it installed in node_modules/.package-lock.json.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "pairbench: npm ci" >&2
  if ! npm ci --no-audit --no-fund </dev/null >&2; then
    # A lock that `npm install` rewrote against a registry missing other platforms' optional
    # packages is rejected by `npm ci`; installing from package.json still gives a working tree.
    echo "pairbench: npm ci failed (see above); falling back to npm install" >&2
    npm install --no-audit --no-fund </dev/null >&2
  fi
fi

bash scripts/build.sh

bash scripts/ensure-docker.sh
bash scripts/base-image.sh
# The e2e tests run on Podman as well as Docker; it gets the base image from Docker.
bash scripts/ensure-podman.sh
