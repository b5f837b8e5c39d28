#!/bin/sh
# One-shot `prepare` service of docker-compose.yml, run as root before anything else:
# - makes the bind-mounted data folder writable by the image's user (node, 1000:1000),
#   whoever owns the clone, changing only what is not already theirs;
# - generates the PostgreSQL password on first start into the `secrets` volume, which
#   PostgreSQL and Pulse read through *_FILE variables (POSTGRES_PASSWORD, if set in .env
#   before the first start, is used instead). Nothing secret is in the repository.
set -eu
data=${PULSE_DATA_DIR:-/data}
secrets=${PULSE_SECRETS_DIR:-/run/secrets/pulse}
owner=1000:1000

mkdir -p "$data"
find "$data" \( ! -user 1000 -o ! -group 1000 \) -exec chown -h "$owner" {} + 
echo "prepare: $data is writable by the node user"

mkdir -p "$secrets"
chmod 0755 "$secrets"
password_file="$secrets/postgres-password"
if [ ! -s "$password_file" ]; then
  umask 022
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    printf '%s' "$POSTGRES_PASSWORD" >"$password_file.tmp"
  else
    node -e 'process.stdout.write(require("node:crypto").randomBytes(24).toString("base64url"))' >"$password_file.tmp"
  fi
  # Readable by PostgreSQL's user (999) and Pulse's (1000); the volume is mounted only
  # into this stack's own containers.
  chmod 0444 "$password_file.tmp" && mv "$password_file.tmp" "$password_file"
  echo "prepare: generated the PostgreSQL password into the secrets volume"
fi
