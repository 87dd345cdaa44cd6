#!/usr/bin/env bash
# Makes sure Podman's Docker-compatible API answers at PAIRBENCH_PODMAN_SOCKET (default
# /run/podman/podman.sock) and holds the base image. On Debian as root it installs Debian's
# podman, configures it for these machines and starts `podman system service` (there is no
# systemd here); anywhere else it says what to do and exits 1. Idempotent.
set -euo pipefail

SOCKET=${PAIRBENCH_PODMAN_SOCKET:-/run/podman/podman.sock}
IMAGE=${PAIRBENCH_BASE_IMAGE:-pairbench/base:bookworm}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

remote() { podman --remote --url "unix://$SOCKET" "$@"; }
api_answers() { [ -S "$SOCKET" ] && command -v podman >/dev/null 2>&1 && remote image ls -q >/dev/null 2>&1; }

explain() {
  cat >&2 <<MSG
pairbench: Podman's API does not answer at unix://$SOCKET.
  $1
  Install Podman, start its API with
    podman system service --time=0 unix://$SOCKET
  and retry. On Debian as root, \`bash scripts/ensure-podman.sh\` does it itself.
MSG
  exit 1
}

if ! api_answers; then
  # catatonit is the init a trial container runs under (Init: true); Debian only recommends it.
  if ! command -v podman >/dev/null 2>&1 || [ ! -x /usr/libexec/podman/catatonit ]; then
    [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1 || explain "This is not a Debian system, so pairbench will not install Podman itself."
    [ "$(id -u)" -eq 0 ] || explain "Installing Podman needs root."
    bash "$here/apt-install.sh" podman catatonit
  fi
  # These machines need runc (crun fails on hybrid cgroups) and ulimits runc can set: within
  # the host's hard limits, and at most the 32768 processes conmon is held to here (a higher
  # nproc fails every container with "error setting rlimit type 6"). Written at each start,
  # so the limits always match the shell that starts the service.
  conf=/etc/containers/containers.conf.d/50-pairbench.conf
  if [ "$(id -u)" -eq 0 ]; then
    nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
    [ "$nofile" = unlimited ] || [ "$nofile" -gt 20000 ] && nofile=20000
    [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ] && nproc=32768
    mkdir -p "$(dirname "$conf")"
    cat >"$conf" <<CONF
# Written by pairbench's scripts/ensure-podman.sh.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
CONF
  fi
  mkdir -p "$(dirname "$SOCKET")"
  rm -f "$SOCKET" # a socket nothing answers on is left from a service that died
  log=/var/log/pairbench-podman.log
  echo "pairbench: starting podman system service at unix://$SOCKET (log: $log)" >&2
  setsid podman --runtime runc system service --time=0 "unix://$SOCKET" >>"$log" 2>&1 </dev/null &
  for _ in $(seq 1 30); do
    api_answers && break
    sleep 1
  done
  api_answers || { echo "pairbench: podman's API did not answer within 30 s; see $log" >&2; exit 1; }
fi

# Podman keeps its own images: copy the base image over from Docker (it is built there).
if ! remote image exists "$IMAGE"; then
  exec 9>/tmp/pairbench-podman-image.lock
  flock 9
  if ! remote image exists "$IMAGE"; then
    echo "pairbench: copying $IMAGE from Docker into Podman" >&2
    docker save "$IMAGE" | podman load >/dev/null
  fi
fi
