#!/usr/bin/env bash
# Builds dist/ when a source is newer than it, silent otherwise. The source folders are the
# ones tsconfig.build.json compiles, read from it, so a new folder can never be missed.
# `--dry-run` prints the first newer source (or "fresh") and builds nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# tsc rewrites every output on each build, so one output's age stands for all of them.
built=dist/cli/main.js
mapfile -t folders < <(node -e 'for (const f of JSON.parse(require("fs").readFileSync("tsconfig.build.json", "utf8")).include) console.log(f)')
newer() {
  [ ! -f "$built" ] && { echo "$built is missing"; return 0; }
  local first
  first=$(find "${folders[@]}" -name '*.ts' -newer "$built" -print -quit 2>/dev/null || true)
  [ -n "$first" ] && { echo "$first"; return 0; }
  for f in package.json tsconfig.json tsconfig.build.json; do
    [ "$f" -nt "$built" ] && { echo "$f"; return 0; }
  done
  return 1
}

if [ "${1:-}" = "--dry-run" ]; then
  newer || echo fresh
  exit 0
fi
if why=$(newer); then
  echo "pairbench: npm run build ($why is newer than dist/)" >&2
  # A clean build: a module that moved must not live on in dist/ and hide a stale import.
  rm -rf dist
  npm run --silent build </dev/null >&2
fi
