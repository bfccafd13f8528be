#!/usr/bin/env bash
# Run a command (default: the whole test suite) with TEST_DATABASE_URL pointing at a fresh,
# empty PostgreSQL database, and leave nothing behind.
#
#   1. When a server answers on 127.0.0.1:5432 (the machine's own): create a database
#      hintbot_test_<random> as user postgres, run, drop it afterwards (also on failure).
#   2. Otherwise: install PostgreSQL from the distribution's packages if it is missing
#      (apt-get), start a throwaway cluster (initdb in a temp dir, a free port on 127.0.0.1,
#      run as a non-root user because initdb refuses root), run, then stop and delete it.
#
# The command's exit code is this script's exit code.
#   .ci/with-postgres.sh                          # .venv/bin/python -m pytest
#   .ci/with-postgres.sh .venv/bin/python -m pytest tests/ops -x
#   HINTBOT_PG_THROWAWAY=1 .ci/with-postgres.sh   # force path 2 even when 5432 answers
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
HOST=127.0.0.1
PORT=${HINTBOT_PG_PORT:-5432}
PGUSER_NAME=${HINTBOT_PG_USER:-postgres}
if [ "$#" -eq 0 ]; then set -- "$PY" -m pytest; fi

DBNAME="hintbot_test_$(date +%s)_$$_${RANDOM}"
ADMIN_URL=""   # libpq URL of the maintenance database while ours exists
CLUSTER_DIR="" # set while a throwaway cluster exists
RUN_AS=()      # prefix to run cluster commands as the non-root owner

log() { echo "with-postgres: $*" >&2; }

# psycopg from the venv: no dependence on client tools being on PATH
sql() { # sql URL STATEMENT
    "$PY" - "$1" "$2" <<'EOF'
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True, connect_timeout=5) as conn:
    conn.execute(sys.argv[2])
EOF
}

answers() { # answers HOST PORT
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$1" -p "$2" -t 3
    else
        "$PY" -c "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 3)" "$1" "$2" 2>/dev/null
    fi
}

cleanup() {
    local rc=$?
    set +e
    if [ -n "$ADMIN_URL" ]; then
        sql "$ADMIN_URL" "DROP DATABASE IF EXISTS \"$DBNAME\" WITH (FORCE)" \
            && log "dropped database $DBNAME" || log "could not drop database $DBNAME"
    fi
    if [ -n "$CLUSTER_DIR" ]; then
        as_owner "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -m immediate -w stop >/dev/null 2>&1
        rm -rf "$CLUSTER_DIR"
        log "stopped and removed the throwaway cluster"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

find_pg_bin() {
    local d
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v initdb)")"
        return 0
    fi
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
    done
    return 1
}

install_postgres() {
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { log "PostgreSQL is not installed and apt-get needs root"; exit 1; }
        sudo=(sudo)
    fi
    command -v apt-get >/dev/null 2>&1 || { log "PostgreSQL is not installed and apt-get is unavailable"; exit 1; }
    log "installing PostgreSQL from the distribution's packages (apt-get)"
    # the package would start its own cluster on 5432: forbid service starts while installing
    local policy=/usr/sbin/policy-rc.d made_policy=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
        "${sudo[@]}" chmod +x "$policy"
        made_policy=1
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    if [ -n "$made_policy" ]; then "${sudo[@]}" rm -f "$policy"; fi
}

as_owner() { # run a cluster command as its owner, from a directory that owner can read
    (cd "$CLUSTER_DIR" && "${RUN_AS[@]}" "$@")
}

free_port() {
    "$PY" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
}

start_throwaway_cluster() {
    PG_BIN=$(find_pg_bin) || { install_postgres; PG_BIN=$(find_pg_bin) || { log "initdb not found after installing"; exit 1; }; }
    CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hintbot-pg.XXXXXX")
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown postgres "$CLUSTER_DIR"
        RUN_AS=(runuser -u postgres --)
    else
        RUN_AS=(env)
    fi
    PORT=$(free_port)
    log "starting a throwaway cluster with $PG_BIN on $HOST:$PORT"
    as_owner "$PG_BIN/initdb" -D "$CLUSTER_DIR/data" -U "$PGUSER_NAME" -A trust -E UTF8 \
        --no-locale --no-sync >"$CLUSTER_DIR/initdb.log" 2>&1 \
        || { cat "$CLUSTER_DIR/initdb.log" >&2; exit 1; }
    as_owner "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w -t 60 \
        -o "-p $PORT -k $CLUSTER_DIR -c listen_addresses=$HOST -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || { cat "$CLUSTER_DIR/server.log" >&2; exit 1; }
}

if [ -z "${HINTBOT_PG_THROWAWAY:-}" ] && answers "$HOST" "$PORT"; then
    log "using the PostgreSQL server on $HOST:$PORT"
else
    start_throwaway_cluster
fi

ADMIN_URL="postgresql://$PGUSER_NAME@$HOST:$PORT/postgres"
sql "$ADMIN_URL" "CREATE DATABASE \"$DBNAME\"" || { ADMIN_URL=""; log "could not create database $DBNAME"; exit 1; }
log "created database $DBNAME"

export TEST_DATABASE_URL="postgresql+psycopg://$PGUSER_NAME@$HOST:$PORT/$DBNAME"
set +e
"$@"
rc=$?
set -e
exit "$rc"
