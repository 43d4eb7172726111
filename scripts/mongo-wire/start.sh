#!/usr/bin/env bash
# Start a MongoDB-wire test server: FerretDB v1.24.2 on PostgreSQL 15 (Debian).
#
# Usage (as root):  FERRETDB=PATH ./start.sh [DATA_DIR]
#   FERRETDB     the FerretDB v1.24.2 binary: the official ferretdb-linux-amd64 release (plain), or the test assets'
#                mongo-wire/ferretdb.xz (unpacked here); copied into DATA_DIR/bin, run as user postgres
#   DATA_DIR     argument or env; default /tmp/mongo-wire-data. Its subdirectories pgdata/, sock/,
#                bin/, state/ and log files are (re)created fresh on every start.
#   FerretDB v1 runs each update as a read and a separate write: concurrent updates of one document can be
#   lost (measured 93 of 400 concurrent $inc kept). Put a one-request-at-a-time proxy in front where writers race.
# Env:
#   PG_PORT      PostgreSQL port (default 55433; listens on 127.0.0.1 + unix socket in DATA_DIR/sock)
#   MONGO_PORT   FerretDB port (default 27117; listens on 127.0.0.1 only)
#   PG_DURABLE   1 = keep fsync/synchronous_commit/full_page_writes on (default 0: off, test speed)
#   FERRETDB_LOG_LEVEL  DEBUG|INFO|WARN|ERROR (default WARN)
#   NO_APT       1 = never call apt-get (fail if something is missing)
#   GIN_TWINS    1 = (default) index FerretDB's top-level equality lookups like MongoDB does (see gin-twins.sql);
#                0 = FerretDB as shipped: every lookup by _id or by an indexed top-level field scans its table
# Last line printed on success: the MongoDB URL.
# Stop with ./stop.sh [DATA_DIR] (stops the PIDs recorded in DATA_DIR).
set -euo pipefail

HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
DATA_DIR="${1:-${DATA_DIR:-/tmp/mongo-wire-data}}"
PG_PORT="${PG_PORT:-55433}"
MONGO_PORT="${MONGO_PORT:-27117}"
PG_DURABLE="${PG_DURABLE:-0}"
FERRETDB_LOG_LEVEL="${FERRETDB_LOG_LEVEL:-WARN}"
FERRETDB="${FERRETDB:-}"
PGBIN=/usr/lib/postgresql/15/bin

log() { echo "[start.sh] $*" >&2; }
die() { echo "[start.sh] ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (installs packages/extension files, runs postgres as user postgres)"
[ "$(uname -m)" = x86_64 ] || die "the FerretDB binary is for x86_64"
[ -f "$FERRETDB" ] || die "FERRETDB must name the FerretDB binary (or its .xz), got '$FERRETDB'"

# ---------------------------------------------------------------- 1. Debian packages
PKGS=(postgresql-15)
[[ "$FERRETDB" != *.xz ]] || PKGS+=(xz-utils)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "${NO_APT:-0}" = 1 ] && die "missing packages: ${missing[*]}"
  log "installing: ${missing[*]}"
  # do not let the postgresql package create/start a default 'main' cluster on 5432 if it is installed now
  if ! dpkg-query -W -f='${Status}' postgresql-15 2>/dev/null | grep -q 'install ok installed'; then
    mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/50-mongo-wire-no-main.conf
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${missing[@]}" >&2 \
    || { apt-get update >&2 && apt-get install -y --no-install-recommends "${missing[@]}" >&2; } \
    || die "apt-get install failed"
fi
[ -x "$PGBIN/postgres" ] || die "$PGBIN/postgres not found"
PKGLIBDIR="$("$PGBIN/pg_config" --pkglibdir)"
EXTDIR="$("$PGBIN/pg_config" --sharedir)/extension"
PGVER="$("$PGBIN/pg_config" --version)"
case "$PGVER" in "PostgreSQL 15."*) ;; *) die "need PostgreSQL 15, found $PGVER";; esac

# ---------------------------------------------------------------- 2. data dir + the FerretDB binary
getent passwd postgres >/dev/null || die "user postgres missing (should come with postgresql-15)"
for p in "$PG_PORT" "$MONGO_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then die "port $p on 127.0.0.1 is already in use"; fi
done
mkdir -p "$DATA_DIR"
DATA_DIR="$(cd -- "$DATA_DIR" && pwd -P)"
if [ -f "$DATA_DIR/pgdata/postmaster.pid" ]; then
  oldpid="$(head -1 "$DATA_DIR/pgdata/postmaster.pid" || true)"
  if [ -n "$oldpid" ] && kill -0 "$oldpid" 2>/dev/null; then die "a postgres (pid $oldpid) still runs on $DATA_DIR/pgdata; run stop.sh first"; fi
fi
if [ -f "$DATA_DIR/ferretdb.pid" ] && kill -0 "$(cat "$DATA_DIR/ferretdb.pid")" 2>/dev/null; then
  die "ferretdb (pid $(cat "$DATA_DIR/ferretdb.pid")) still runs for $DATA_DIR; run stop.sh first"
fi
rm -rf -- "$DATA_DIR/pgdata" "$DATA_DIR/sock" "$DATA_DIR/bin" "$DATA_DIR/state" \
          "$DATA_DIR/postgres.log" "$DATA_DIR/ferretdb.log" "$DATA_DIR/ferretdb.pid" "$DATA_DIR/postgres.pid"
mkdir -p "$DATA_DIR/pgdata" "$DATA_DIR/sock" "$DATA_DIR/bin" "$DATA_DIR/state"
chmod 755 "$DATA_DIR"
chown postgres:postgres "$DATA_DIR/pgdata" "$DATA_DIR/sock" "$DATA_DIR/state"
chmod 700 "$DATA_DIR/pgdata"
runuser -u postgres -- test -w "$DATA_DIR/pgdata" \
  || die "user postgres cannot reach $DATA_DIR (a parent directory is not traversable); use another DATA_DIR"

if [[ "$FERRETDB" == *.xz ]]; then xz -dc "$FERRETDB" > "$DATA_DIR/bin/ferretdb"; else cp "$FERRETDB" "$DATA_DIR/bin/ferretdb"; fi
chmod 755 "$DATA_DIR/bin/ferretdb"

# ---------------------------------------------------------------- 4. fresh cluster
log "initdb in $DATA_DIR/pgdata"
runuser -u postgres -- "$PGBIN/initdb" -D "$DATA_DIR/pgdata" -U postgres --auth=trust \
  --encoding=UTF8 --locale=C.UTF-8 >"$DATA_DIR/initdb.log" 2>&1 || { cat "$DATA_DIR/initdb.log" >&2; die "initdb failed"; }
{
  echo "# ---- mongo-wire test server (start.sh)"
  echo "listen_addresses = '127.0.0.1'"
  echo "port = $PG_PORT"
  echo "unix_socket_directories = '$DATA_DIR/sock'"
  echo "max_connections = 300"
  echo "shared_buffers = 256MB"
  echo "ssl = off"
  if [ "${GIN_TWINS:-1}" = 1 ]; then
    echo "# FerretDB binds the looked-up key as a parameter: a custom plan lets the GIN twins (gin-twins.sql) serve it"
    echo "plan_cache_mode = force_custom_plan"
  fi
  if [ "$PG_DURABLE" != 1 ]; then
    echo "# test-only speed settings (PG_DURABLE=1 disables them): data is lost on a machine crash"
    echo "fsync = off"
    echo "synchronous_commit = off"
    echo "full_page_writes = off"
  fi
} >> "$DATA_DIR/pgdata/postgresql.conf"

log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
touch "$DATA_DIR/postgres.log"; chown postgres:postgres "$DATA_DIR/postgres.log"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DATA_DIR/pgdata" -l "$DATA_DIR/postgres.log" -w -t 60 start >&2 \
  || { tail -30 "$DATA_DIR/postgres.log" >&2; die "postgres did not start"; }
head -1 "$DATA_DIR/pgdata/postmaster.pid" > "$DATA_DIR/postgres.pid"

runuser -u postgres -- "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DATA_DIR/sock" -p "$PG_PORT" -U postgres -d postgres \
  -c "CREATE DATABASE ferretdb;" >&2 || die "CREATE DATABASE ferretdb failed"
if [ "${GIN_TWINS:-1}" = 1 ]; then
  runuser -u postgres -- "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DATA_DIR/sock" -p "$PG_PORT" -U postgres -d ferretdb \
    -f "$HERE/gin-twins.sql" >&2 || die "gin-twins.sql failed"
fi

# ---------------------------------------------------------------- 5. FerretDB
log "starting FerretDB on 127.0.0.1:$MONGO_PORT"
# setpriv execs ferretdb directly (no wrapper process), so $! is ferretdb's own PID
setsid setpriv --reuid=postgres --regid=postgres --init-groups -- \
  "$DATA_DIR/bin/ferretdb" \
  --handler=postgresql --postgresql-url="postgres://postgres@127.0.0.1:$PG_PORT/ferretdb" \
  --listen-addr="127.0.0.1:$MONGO_PORT" \
  --telemetry=disable --debug-addr=- --state-dir="$DATA_DIR/state" --log-level="$FERRETDB_LOG_LEVEL" \
  </dev/null >"$DATA_DIR/ferretdb.log" 2>&1 &
echo $! > "$DATA_DIR/ferretdb.pid"

ok=0
for _ in $(seq 1 120); do
  kill -0 "$(cat "$DATA_DIR/ferretdb.pid")" 2>/dev/null || { tail -30 "$DATA_DIR/ferretdb.log" >&2; die "ferretdb exited"; }
  if (exec 3<>"/dev/tcp/127.0.0.1/$MONGO_PORT") 2>/dev/null; then ok=1; break; fi
  sleep 0.5
done
[ $ok = 1 ] || { tail -30 "$DATA_DIR/ferretdb.log" >&2; die "ferretdb does not accept connections on 127.0.0.1:$MONGO_PORT"; }
log "ready: postgres pid $(cat "$DATA_DIR/postgres.pid"), ferretdb pid $(cat "$DATA_DIR/ferretdb.pid"), logs in $DATA_DIR"
echo "mongodb://127.0.0.1:$MONGO_PORT/"
