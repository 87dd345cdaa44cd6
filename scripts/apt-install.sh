#!/usr/bin/env bash
# Installs Debian packages for pairbench's set-up, refreshing the package lists at most once
# an hour (set-up scripts call this several times in one run). Debian and root only.
# Usage: bash scripts/apt-install.sh <package>...
set -euo pipefail

if [ ! -f /etc/debian_version ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "pairbench: cannot install $* here: this is not a Debian system (install it with your package manager)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "pairbench: installing $* needs root: run \`sudo bash scripts/setup.sh\`, or install it yourself" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
stamp=/var/lib/apt/lists/.pairbench-updated
if [ -z "$(find "$stamp" -mmin -60 2>/dev/null)" ]; then
  echo "pairbench: apt-get update" >&2
  apt-get update -qq </dev/null
  touch "$stamp"
fi
echo "pairbench: apt-get install $*" >&2
apt-get install -y -qq --no-install-recommends "$@" </dev/null >/dev/null
