#!/usr/bin/env bash
# Makes sure a container engine answers. If none does, on Debian as root it installs
# Debian's docker.io and starts dockerd (there is no systemd on these machines); anywhere
# else it says what to install and exits 1.
set -euo pipefail

engine_answers() { docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && engine_answers; then
  exit 0
fi

explain() {
  cat >&2 <<MSG
pairbench: no container engine answers${DOCKER_HOST:+ at DOCKER_HOST=$DOCKER_HOST}.
  $1
  Install Docker Engine (https://docs.docker.com/engine/install/) or Podman
  (with \`podman system service\` and DOCKER_HOST=unix://<its socket>), start it, and retry.
  On Debian as root, \`bash scripts/setup.sh\` installs docker.io and starts dockerd itself.
MSG
  exit 1
}

if [ -n "${DOCKER_HOST:-}" ]; then
  explain "DOCKER_HOST points at an engine that does not answer; start it, or unset DOCKER_HOST."
fi
if [ ! -f /etc/debian_version ] || ! command -v apt-get >/dev/null 2>&1; then
  explain "This is not a Debian system, so pairbench will not install an engine itself."
fi
if [ "$(id -u)" -ne 0 ]; then
  explain "Installing and starting dockerd needs root (or add your user to the docker group if it already runs)."
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if ! command -v dockerd >/dev/null 2>&1; then
  bash "$here/apt-install.sh" docker.io
fi

# The package's own init script may have started it already.
if ! engine_answers; then
  pidfile=/var/run/docker.pid
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "pairbench: dockerd is running (pid $(cat "$pidfile")); waiting for it to answer" >&2
  else
    log=/var/log/pairbench-dockerd.log
    echo "pairbench: starting dockerd (log: $log)" >&2
    setsid dockerd >>"$log" 2>&1 </dev/null &
  fi
fi

for _ in $(seq 1 60); do
  if engine_answers; then
    exit 0
  fi
  sleep 1
done
echo "pairbench: dockerd did not answer within 60 s; see /var/log/pairbench-dockerd.log" >&2
exit 1
