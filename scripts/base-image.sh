#!/usr/bin/env bash
# Builds the local base image every task Dockerfile starts FROM, when it is missing. There
# is no registry to pull from on these machines: the root filesystem comes from Debian's
# own mirror through debootstrap and is imported with `docker import`.
set -euo pipefail

IMAGE=${PAIRBENCH_BASE_IMAGE:-pairbench/base:bookworm}
PACKAGES=python3,git,tmux,ca-certificates,procps

have_image() { docker image inspect "$IMAGE" >/dev/null 2>&1; }
have_image && exit 0

# Two set-ups at once (demo and tests) build it once.
exec 9>/tmp/pairbench-base-image.lock
flock 9
have_image && exit 0

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if ! command -v debootstrap >/dev/null 2>&1; then
  bash "$here/apt-install.sh" debootstrap
fi

# The mirror this machine already uses (deb822 first, then the one-line format); never a
# security or updates suite, which debootstrap cannot bootstrap from.
mirror=""
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(sed -e 's/\[[^]]*\]//' /etc/apt/sources.list | awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }')
fi
mirror=${mirror:-http://deb.debian.org/debian}

rootfs=$(mktemp -d /var/tmp/pairbench-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
log=/var/tmp/pairbench-debootstrap.log
echo "pairbench: building $IMAGE with debootstrap from $mirror (about a minute; log: $log)" >&2
if ! debootstrap --variant=minbase --include="$PACKAGES" bookworm "$rootfs" "$mirror" >"$log" 2>&1; then
  echo "pairbench: debootstrap failed; the last lines of $log:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | docker import -c 'CMD ["bash"]' - "$IMAGE" >/dev/null
echo "pairbench: built $IMAGE" >&2
