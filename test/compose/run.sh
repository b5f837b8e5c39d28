#!/usr/bin/env bash
# `npm run test:compose`: the compose test on a real Docker engine. Starts dockerd when
# none answers (stopped again at the end, by PID), builds the stand-ins of the three public
# images when Docker Hub is out of reach, builds pulse:latest from this checkout (the CA
# bundle, if any, goes in as a build secret, never into a layer), then runs the test.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=test/compose
started=0
cleanup() { if [ "$started" = 1 ]; then "$here/engine.sh" stop; fi; }
trap cleanup EXIT

if ! docker info >/dev/null 2>&1; then "$here/engine.sh" start; started=1; fi
docker compose version >/dev/null 2>&1 || "$here/install-compose.sh"

t0=$(date +%s)
# Stand-ins only where the real images cannot be pulled (PULSE_STANDINS=1 forces them).
if [ "${PULSE_STANDINS:-auto}" = 1 ] || ! timeout 20 docker pull -q postgres:17 >/dev/null 2>&1; then
  "$here/standins/build.sh"
else
  docker pull -q node:24-slim >/dev/null && docker pull -q apache/kafka:3.9.1 >/dev/null
fi
t1=$(date +%s)

ca=${PULSE_BUILD_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
secret=(); [ -f "$ca" ] && secret=(--secret "id=ca_bundle,src=$ca")
if [ -x /usr/bin/docker ] && /usr/bin/docker version --format '{{.Client.Version}}' 2>/dev/null | grep -q '^20\.'; then
  DOCKER_BUILDKIT=1 /usr/bin/docker build -q "${secret[@]}" -t pulse:latest . >/dev/null   # Debian's CLI has BuildKit built in
else
  docker buildx build -q --load "${secret[@]}" -t pulse:latest . >/dev/null
fi
t2=$(date +%s)
echo "test:compose: base images $((t1 - t0)) s, pulse image $((t2 - t1)) s"

npx vitest run --project compose
echo "test:compose: $(( $(date +%s) - t0 )) s in all"
