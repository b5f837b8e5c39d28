#!/usr/bin/env bash
# Installs the Docker Compose v2 CLI plugin when `docker compose` is missing: Debian
# bookworm packages only Compose v1, so it is built from its Go module (about 3 min on
# 2 cores) and placed where the docker CLI looks for plugins.
set -euo pipefail
version=${PULSE_COMPOSE_VERSION:-v2.40.3}
plugins=/usr/local/lib/docker/cli-plugins
if docker compose version >/dev/null 2>&1; then docker compose version; exit 0; fi
command -v go >/dev/null || { echo "install-compose: Go is needed to build Docker Compose" >&2; exit 1; }
dir=$(go mod download -json "github.com/docker/compose/v2@$version" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Built as the main module: `go install mod@version` refuses modules with exclude directives.
cp -r "$dir/." "$work" && chmod -R u+w "$work"
(cd "$work" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$version" -o "$work/docker-compose" ./cmd)
mkdir -p "$plugins" && install -m 0755 "$work/docker-compose" "$plugins/docker-compose"
docker compose version
