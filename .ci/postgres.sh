#!/usr/bin/env bash
# A throwaway PostgreSQL + PostGIS server for the CARTO tests (layer SQL and storage on PostgreSQL).
#
# Installs the Debian packages when they are missing and we are root, starts a private cluster on
# 127.0.0.1 (its own data folder and a free port, so it never touches a system cluster), creates a
# database with the postgis extension and prints its URL as the last line of stdout. Any failure
# exits non-zero with the reason on stderr: .ci/run then lets the PostgreSQL tests skip instead of
# failing the whole run. A second call finds the running server and prints the same URL again.
# `postgres.sh stop` stops that server and deletes its folder.
set -euo pipefail

DIR=${GLRENDER_PG_DIR:-/tmp/glrender-pg}
DB=glrender_test
ROLE=glrender

say() { echo "postgres.sh: $*" >&2; }

pg_bindir() {
  local v
  v=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
  [ -n "$v" ] && [ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ] && echo "/usr/lib/postgresql/$v/bin"
}

has_postgis() {
  local v
  v=$(basename "$(dirname "$1")")
  [ -f "/usr/share/postgresql/$v/extension/postgis.control" ]
}

BIN=$(pg_bindir || true)
if [ "${1:-}" = stop ]; then
  if [ -n "$BIN" ] && [ -f "$DIR/data/PG_VERSION" ]; then
    if [ "$(id -u)" = 0 ]; then
      runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
    else
      "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
    fi
  fi
  rm -rf "$DIR"
  exit 0
fi
if [ -z "$BIN" ] || ! has_postgis "$BIN"; then
  if [ "$(id -u)" != 0 ]; then
    say "PostgreSQL/PostGIS is not installed and we are not root; install postgresql and postgresql-postgis"
    exit 1
  fi
  say "installing postgresql and postgresql-postgis from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  # The generic names follow the distribution's default major version (15 on Debian 12).
  if ! { timeout 120 apt-get update -qq && timeout 300 apt-get install -y -qq --no-install-recommends \
      postgresql postgresql-postgis >/dev/null; }; then
    say "apt-get install postgresql postgresql-postgis failed"
    exit 1
  fi
  BIN=$(pg_bindir || true)
  if [ -z "$BIN" ] || ! has_postgis "$BIN"; then
    say "PostGIS is still missing after the install"
    exit 1
  fi
fi

# initdb and postgres refuse to run as root: the cluster belongs to the postgres account then.
if [ "$(id -u)" = 0 ]; then
  as_owner() { runuser -u postgres -- "$@"; }
else
  as_owner() { "$@"; }
fi

mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chown postgres: "$DIR" && chmod 700 "$DIR"

if ! as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  if [ ! -f "$DIR/data/PG_VERSION" ]; then
    if ! as_owner "$BIN/initdb" -D "$DIR/data" -U "$ROLE" -A trust -E UTF8 --locale=C >"$DIR/initdb.log" 2>&1; then
      say "initdb failed:"; tail -5 "$DIR/initdb.log" >&2
      exit 1
    fi
  fi
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  echo "$port" >"$DIR/port"
  # trust auth is safe here: the server listens on loopback only and lives for one CI run.
  if ! as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $DIR" start >/dev/null; then
    say "the server did not start:"; tail -5 "$DIR/server.log" >&2
    exit 1
  fi
fi
port=$(cat "$DIR/port")

psql_do() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$ROLE" "$@"; }
if ! psql_do -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  psql_do -d postgres -c "CREATE DATABASE $DB" >/dev/null || { say "CREATE DATABASE failed"; exit 1; }
fi
psql_do -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null || { say "CREATE EXTENSION postgis failed"; exit 1; }

echo "postgresql://$ROLE@127.0.0.1:$port/$DB"
